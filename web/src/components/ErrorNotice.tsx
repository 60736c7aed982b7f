import { errorMessage } from '../i18n/errors';
import { useI18n } from '../i18n/i18n';
import { Icon } from './Icon';

interface ErrorNoticeProps {
  error: unknown;
  /** What failed ("Could not load …"), put before the error's own sentence. */
  lead?: string;
  onRetry(): void;
  /** The smaller variant, for panels. */
  compact?: boolean;
}

/** "Something went wrong", with the reason and a Retry button. */
export function ErrorNotice({ error, lead, onRetry, compact }: ErrorNoticeProps) {
  const i18n = useI18n();
  return (
    <div className={`notice notice--error${compact ? ' notice--compact' : ''}`} role="alert">
      <Icon name="alert" size={compact ? 18 : 20} />
      <span>
        {lead !== undefined && <>{lead} </>}
        {errorMessage(error, i18n)}
      </span>
      <button type="button" className={`btn btn--secondary${compact ? ' btn--small' : ''}`} onClick={onRetry}>
        {i18n.t('error.retry')}
      </button>
    </div>
  );
}
