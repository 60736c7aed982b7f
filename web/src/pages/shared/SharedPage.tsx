import { useCallback, useEffect, useRef } from 'react';
import { Footer } from '../../components/Footer';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { TopBar } from '../../components/TopBar';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { api, type SharedFile, type User } from '../../lib/api';
import { usePagedList } from '../../lib/usePagedList';
import { EmptyState } from '../gallery/EmptyState';
import { FileGrid } from '../gallery/FileGrid';
import { TileSkeleton } from '../gallery/Tile';
import { ViewerPage } from '../viewer/ViewerPage';
import '../../styles/gallery.css';
import '../../styles/shell.css';

const PAGE_SIZE = 60;
const SKELETON_TILES = 8;

const sharedDate = (file: SharedFile) => file.sharedAt;
const sharedHref = (file: SharedFile) => `/shared/${encodeURIComponent(file.id)}`;
const ownerOf = (file: SharedFile) => file.owner;

/** Files other people shared with me, as a grid; the viewer opens over it, read-only. */
export function SharedPage({ user, viewerId }: { user: User; viewerId: string | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  useDocumentTitle(viewerId ? null : t('title.shared'));

  const fetchPage = useCallback((cursor: string | null, signal?: AbortSignal) => api.sharedWithMe({ limit: PAGE_SIZE, cursor }, signal), []);
  const list = usePagedList(fetchPage, 'shared');
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    window.scrollTo(0, 0);
    if (document.activeElement === document.body || document.activeElement === null) headingRef.current?.focus({ preventScroll: true });
  }, []);

  // Infinite scroll, as in the library.
  const sentinelRef = useRef<HTMLDivElement>(null);
  const { nextCursor, loadingMore, status, error, loadMore } = list;
  const canLoadMore = status === 'ready' && nextCursor !== null && !loadingMore && !error;
  useEffect(() => {
    const sentinel = sentinelRef.current;
    if (!sentinel || !canLoadMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    }, { rootMargin: '800px 0px' });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [canLoadMore, loadMore, list.items.length]);

  useEffect(() => {
    if (!viewerId) return;
    const previous = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    return () => {
      document.body.style.overflow = previous;
    };
  }, [viewerId]);

  let content;
  if (status === 'loading' && list.items.length === 0) {
    content = (
      <div className="grid" aria-busy="true">
        {Array.from({ length: SKELETON_TILES }, (_, index) => (
          <TileSkeleton key={index} />
        ))}
        <span className="visually-hidden" role="status">
          {t('app.loading')}
        </span>
      </div>
    );
  } else if (status === 'error') {
    content = (
      <div className="notice notice--error" role="alert">
        <Icon name="alert" size={20} />
        <span>
          {t('shared.loadError')} {errorMessage(error, i18n)}
        </span>
        <button type="button" className="btn btn--secondary" onClick={list.reload}>
          {t('error.retry')}
        </button>
      </div>
    );
  } else if (list.items.length === 0) {
    content = <EmptyState icon="inbox" title={t('shared.empty.title')} body={t('shared.empty.body')} />;
  } else {
    content = (
      <div className="results">
        <FileGrid files={list.items} dateOf={sharedDate} hrefOf={sharedHref} ownerOf={ownerOf} />
        <div ref={sentinelRef} className="grid-end">
          {loadingMore && <Spinner label={t('gallery.loadingMore')} size={24} />}
          {error !== null && (
            <div className="notice notice--error" role="alert">
              <Icon name="alert" size={20} />
              <span>{errorMessage(error, i18n)}</span>
              <button type="button" className="btn btn--secondary" onClick={loadMore}>
                {t('error.retry')}
              </button>
            </div>
          )}
        </div>
      </div>
    );
  }

  return (
    <>
      <div className="library" inert={viewerId !== null} aria-hidden={viewerId !== null ? true : undefined}>
        <TopBar user={user} />
        <main className="library-main">
          <div className="library-toolbar library-toolbar--stacked">
            <h1 ref={headingRef} tabIndex={-1} className="page-title">
              {t('shared.heading')}
            </h1>
            <p className="page-subheading">{t('shared.subheading')}</p>
          </div>
          {content}
        </main>
        <Footer />
      </div>
      {viewerId !== null && <ViewerPage id={viewerId} files={list.items} mode="shared" />}
    </>
  );
}
