import { useEffect, useRef, type ReactNode } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Spinner } from '../../components/Spinner';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { FileGrid, type FileGridProps } from './FileGrid';
import { TileSkeleton } from './Tile';

interface PagedFiles<F> {
  items: F[];
  nextCursor: string | null;
  status: 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  error: unknown;
  loadMore(): void;
}

type PagedFileGridProps<F extends VaultFile> = Omit<FileGridProps<F>, 'files'> & {
  list: PagedFiles<F>;
  /** Placeholder tiles while the first page loads. */
  skeletonTiles: number;
  /** What failed when the first page did not load. */
  loadError: string;
  /** Loads the first page again. */
  onReload(): void;
  /** Shown when there are no files. */
  empty: ReactNode;
  /** Draws the loaded files instead of the day-grouped grid (the timeline by date taken). */
  render?(files: F[]): ReactNode;
};

/**
 * A paged grid of files: placeholder tiles while the first page loads, its error or the
 * empty state, then the grid, which loads the next page as its end nears the viewport.
 */
export function PagedFileGrid<F extends VaultFile>({ list, skeletonTiles, loadError, onReload, empty, render, ...grid }: PagedFileGridProps<F>) {
  const { t } = useI18n();
  const { items, nextCursor, status, loadingMore, error, loadMore } = list;

  // Infinite scroll. The observer is re-created after each page so that a still-visible
  // sentinel fires again.
  const sentinelRef = useRef<HTMLDivElement>(null);
  const canLoadMore = status === 'ready' && nextCursor !== null && !loadingMore && !error;
  useEffect(() => {
    const sentinel = sentinelRef.current;
    if (!sentinel || !canLoadMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    }, { rootMargin: '800px 0px' });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [canLoadMore, loadMore, items.length]);

  if (status === 'loading' && items.length === 0) {
    return (
      <div className="grid" aria-busy="true">
        {Array.from({ length: skeletonTiles }, (_, index) => (
          <TileSkeleton key={index} />
        ))}
        <span className="visually-hidden" role="status">
          {t('app.loading')}
        </span>
      </div>
    );
  }
  if (status === 'error') return <ErrorNotice lead={loadError} error={error} onRetry={onReload} />;
  if (items.length === 0) return empty;
  return (
    <div className={status === 'loading' ? 'results results--stale' : 'results'} aria-busy={status === 'loading'}>
      {render ? render(items) : <FileGrid files={items} {...grid} />}
      <div ref={sentinelRef} className="grid-end">
        {loadingMore && <Spinner label={t('gallery.loadingMore')} size={24} />}
        {error !== null && <ErrorNotice error={error} onRetry={loadMore} />}
      </div>
    </div>
  );
}
