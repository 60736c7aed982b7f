import { useEffect, useRef } from 'react';
import type { Created } from './created';
import { CopyButton } from '../../components/CopyButton';
import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import '../../styles/account.css';

/** The new token's secret, shown once, with a copy button. */
export function SecretBox({ created, onDone }: { created: Created; onDone(): void }) {
  const { t } = useI18n();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus({ preventScroll: true });
    headingRef.current?.closest('section')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [created.secret]);

  return (
    <section className="secret-box" aria-labelledby="secret-box-title" data-testid="token-secret-box">
      <div className="secret-box-head">
        <span className="secret-box-icon" aria-hidden="true">
          <Icon name="alert" size={20} />
        </span>
        <div>
          <h2 id="secret-box-title" ref={headingRef} tabIndex={-1}>
            {t('tokens.secret.title')}
          </h2>
          <p>{t('tokens.secret.body', { name: created.token.name })}</p>
        </div>
      </div>
      <div className="secret-field">
        <code data-testid="token-secret" aria-label={t('tokens.secret.label')}>
          {created.secret}
        </code>
        <CopyButton text={created.secret} what={t('tokens.secret.label')} className="btn btn--primary btn--small" testId="token-secret-copy" />
      </div>
      <p className="secret-usage">
        {t('tokens.secret.usage')} <code>Authorization: Bearer {created.token.prefix}…</code>
      </p>
      <div className="secret-box-actions">
        <button type="button" className="btn btn--secondary btn--small" onClick={onDone} data-testid="token-secret-done">
          {t('tokens.secret.done')}
        </button>
      </div>
    </section>
  );
}

