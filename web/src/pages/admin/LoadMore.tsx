import { Icon } from '../../components/Icon';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';

interface LoadMoreProps {
  hasMore: boolean;
  loading: boolean;
  /** The error of the last "load more", offered again as a retry. */
  error: unknown;
  onLoadMore(): void;
  testId?: string;
}

/** The foot of a paged table: "Load more", its spinner, or what went wrong. */
export function LoadMore({ hasMore, loading, error, onLoadMore, testId }: LoadMoreProps) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!hasMore && error === null) return null;
  return (
    <div className="load-more" aria-live="polite">
      {error !== null && (
        <p className="load-more-error" role="alert">
          <Icon name="alert" size={16} />
          {errorMessage(error, i18n)}
        </p>
      )}
      <button type="button" className="btn btn--secondary" onClick={onLoadMore} disabled={loading} data-testid={testId}>
        {loading ? <span className="spinner spinner--small" aria-hidden="true" /> : <Icon name="chevronDown" size={16} />}
        {loading ? t('common.loadingMore') : error !== null ? t('error.retry') : t('common.loadMore')}
      </button>
    </div>
  );
}
