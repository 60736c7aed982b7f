import { useEffect, useMemo, useRef } from 'react';
import { ApiError, type User, type VaultFile } from '../../api/api';
import { usePerson, usePersonFiles } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Footer } from '../../components/Footer';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { TopBar } from '../../components/TopBar';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { Link, useNavigate } from '../../lib/router';
import { useBodyScrollLock } from '../../lib/useBodyScrollLock';
import { EmptyState } from '../gallery/EmptyState';
import { PagedFileGrid } from '../gallery/PagedFileGrid';
import { NotFoundPage } from '../NotFoundPage';
import { ViewerPage, type ViewerPaths } from '../viewer/ViewerPage';
import { FaceCrop } from './FaceCrop';
import { PersonActions } from './PersonActions';
import '../../styles/gallery.css';
import '../../styles/shell.css';
import '../../styles/people.css';

const SKELETON_TILES = 8;

/** The link's site, which is what a reader needs to see ("en.wikipedia.org"). */
function hostOf(link: string): string {
  try {
    return new URL(link).host;
  } catch {
    return link;
  }
}

/** One person: their name and link, and the files they were found in, which open the viewer over the grid. */
export function PersonPage({ user, personId, viewerId }: { user: User; personId: string; viewerId: string | null }) {
  const { t, tn } = useI18n();
  const navigate = useNavigate();
  const person = usePerson(personId);
  const files = usePersonFiles(personId);
  useDocumentTitle(viewerId ? null : (person.data?.name ?? t('app.loading')));
  const headingRef = useRef<HTMLHeadingElement>(null);
  useBodyScrollLock(viewerId !== null);
  useEffect(() => {
    window.scrollTo(0, 0);
    if (document.activeElement === document.body || document.activeElement === null) headingRef.current?.focus({ preventScroll: true });
  }, [personId]);

  const home = `/people/${encodeURIComponent(personId)}`;
  const paths = useMemo<ViewerPaths>(() => ({ home, file: (id) => `${home}/files/${encodeURIComponent(id)}` }), [home]);
  const hrefOf = (file: VaultFile) => paths.file(file.id);

  if (person.error instanceof ApiError && person.error.status === 404) return <NotFoundPage />;
  const data = person.data;
  return (
    <>
      <div className="library" inert={viewerId !== null} aria-hidden={viewerId !== null ? true : undefined}>
        <TopBar user={user} />
        <main className="library-main">
          <p className="person-back">
            <Link to="/people" data-testid="person-back">
              <Icon name="arrowLeft" size={16} />
              {t('people.back')}
            </Link>
          </p>
          {person.isError ? (
            <ErrorNotice lead={t('people.loadError')} error={person.error} onRetry={() => void person.refetch()} />
          ) : !data ? (
            <Spinner label={t('app.loading')} size={24} />
          ) : (
            <div className="person-header">
              <FaceCrop face={data.coverFace} name={data.name} size={88} />
              <div className="person-header-text">
                <h1 ref={headingRef} tabIndex={-1} className="page-title" data-testid="person-name-heading">
                  {data.name}
                </h1>
                <p className="page-subheading">
                  {tn('people.photos', data.fileCount)}
                  {data.hidden && <span className="badge">{t('people.hiddenBadge')}</span>}
                  {data.link && (
                    <a className="person-link" href={data.link} target="_blank" rel="noopener noreferrer" data-testid="person-link-out">
                      <Icon name="link" size={14} />
                      {hostOf(data.link)}
                    </a>
                  )}
                </p>
              </div>
              <PersonActions person={data} onGone={(into) => navigate(into ? `/people/${encodeURIComponent(into.id)}` : '/people', { replace: true })} />
            </div>
          )}
          <PagedFileGrid
            list={files}
            skeletonTiles={SKELETON_TILES}
            loadError={t('people.filesError')}
            onReload={files.reload}
            empty={<EmptyState icon="users" title={t('people.noFiles.title')} body={t('people.noFiles.body')} />}
            hrefOf={hrefOf}
          />
        </main>
        <Footer />
      </div>
      {viewerId !== null && <ViewerPage id={viewerId} files={files.items} paths={paths} />}
    </>
  );
}
