import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { copyText } from '../lib/clipboard';
import { Icon } from './Icon';

interface CopyButtonProps {
  text: string;
  /** What is copied, for the accessible name: "Copy link address". */
  what: string;
  className?: string;
  testId?: string;
  /** Icon only (the label moves to aria-label). */
  compact?: boolean;
}

/** Copies `text` and says so for two seconds ("Copied" with a check mark). */
export function CopyButton({ text, what, className = 'btn btn--secondary btn--small', testId, compact = false }: CopyButtonProps) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  async function copy(): Promise<void> {
    const ok = await copyText(text);
    setState(ok ? 'copied' : 'failed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), ok ? 2000 : 5000);
  }

  const label = state === 'copied' ? t('copy.copied') : t('copy.copy');
  return (
    <>
      <button
        type="button"
        className={`${className}${state === 'copied' ? ' is-copied' : ''}`}
        onClick={copy}
        aria-label={t('copy.label', { what })}
        data-testid={testId}
        title={compact ? t('copy.label', { what }) : undefined}
      >
        <Icon name={state === 'copied' ? 'check' : 'copy'} size={16} />
        {!compact && <span aria-hidden="true">{label}</span>}
      </button>
      <span className="visually-hidden" role="status">
        {state === 'copied' ? t('copy.copied') : state === 'failed' ? t('copy.failed') : ''}
      </span>
      {state === 'failed' && !compact && <span className="copy-failed">{t('copy.failed')}</span>}
    </>
  );
}
