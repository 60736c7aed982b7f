import type { ReactNode } from 'react';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon, type IconName } from '../../components/Icon';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import type { PagedList } from '../../api/queries';

interface PagedTableProps {
  list: PagedList<unknown>;
  /** What failed when the first page did not load. */
  loadError: string;
  emptyIcon: IconName;
  emptyText: string;
  /** The "Load more" button's test id. */
  moreTestId: string;
  /** The table of the loaded items. */
  children: ReactNode;
}

/**
 * A paged admin table in its card: the first page's loading, error and empty states, the
 * table itself (dimmed while a new query runs), and "Load more" below the card.
 */
export function PagedTable({ list, loadError, emptyIcon, emptyText, moreTestId, children }: PagedTableProps) {
  return (
    <>
      <div className="card card--flush">
        {list.status === 'error' ? (
          <div className="card-pad">
            <ErrorNotice lead={loadError} error={list.error} onRetry={list.reload} />
          </div>
        ) : list.status === 'loading' && list.items.length === 0 ? (
          <CardLoading />
        ) : list.items.length === 0 ? (
          <CardEmpty icon={emptyIcon}>{emptyText}</CardEmpty>
        ) : (
          <div className={`table-wrap${list.status === 'loading' ? ' is-stale' : ''}`}>{children}</div>
        )}
      </div>
      <LoadMore
        hasMore={list.nextCursor !== null && list.status === 'ready'}
        loading={list.loadingMore}
        error={list.status === 'ready' ? list.error : null}
        onLoadMore={list.loadMore}
        testId={moreTestId}
      />
    </>
  );
}

interface LoadMoreProps {
  hasMore: boolean;
  loading: boolean;
  /** The error of the last "load more", offered again as a retry. */
  error: unknown;
  onLoadMore(): void;
  testId: string;
}

/** The foot of a paged table: "Load more", its spinner, or what went wrong. */
function LoadMore({ hasMore, loading, error, onLoadMore, testId }: LoadMoreProps) {
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
