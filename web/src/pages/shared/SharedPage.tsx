import { useEffect, useRef } from 'react';
import { useSharedWithMe } from '../../api/queries';
import { Footer } from '../../components/Footer';
import { TopBar } from '../../components/TopBar';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { SharedFile, User } from '../../api/api';
import { useBodyScrollLock } from '../../lib/useBodyScrollLock';
import { EmptyState } from '../gallery/EmptyState';
import { PagedFileGrid } from '../gallery/PagedFileGrid';
import { ViewerPage } from '../viewer/ViewerPage';
import '../../styles/gallery.css';
import '../../styles/shell.css';

const SKELETON_TILES = 8;

const sharedDate = (file: SharedFile) => file.sharedAt;
const sharedHref = (file: SharedFile) => `/shared/${encodeURIComponent(file.id)}`;
const ownerOf = (file: SharedFile) => file.owner;

/** Files other people shared with me, as a grid; the viewer opens over it, read-only. */
export function SharedPage({ user, viewerId }: { user: User; viewerId: string | null }) {
  const { t } = useI18n();
  useDocumentTitle(viewerId ? null : t('title.shared'));

  const list = useSharedWithMe();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    window.scrollTo(0, 0);
    if (document.activeElement === document.body || document.activeElement === null) headingRef.current?.focus({ preventScroll: true });
  }, []);

  useBodyScrollLock(viewerId !== null);

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
          <PagedFileGrid
            list={list}
            skeletonTiles={SKELETON_TILES}
            loadError={t('shared.loadError')}
            onReload={list.reload}
            empty={<EmptyState icon="inbox" title={t('shared.empty.title')} body={t('shared.empty.body')} />}
            dateOf={sharedDate}
            hrefOf={sharedHref}
            ownerOf={ownerOf}
          />
        </main>
        <Footer />
      </div>
      {viewerId !== null && <ViewerPage id={viewerId} files={list.items} mode="shared" />}
    </>
  );
}
