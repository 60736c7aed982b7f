import { useDuplicates } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Footer } from '../../components/Footer';
import { Spinner } from '../../components/Spinner';
import { TopBar } from '../../components/TopBar';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { User } from '../../api/api';
import { formatSize } from '../../lib/format';
import { EmptyState } from '../gallery/EmptyState';
import { Tile } from '../gallery/Tile';
import '../../styles/gallery.css';
import '../../styles/shell.css';

/**
 * Files stored more than once (same bytes): one group per content, oldest first, so the
 * person can open the extras (in the library's viewer) and delete them.
 */
export function DuplicatesPage({ user }: { user: User }) {
  const { t, tn, locale } = useI18n();
  useDocumentTitle(t('title.duplicates'));
  const list = useDuplicates();

  let body;
  if (list.status === 'loading' && list.items.length === 0) body = <Spinner label={t('app.loading')} size={24} />;
  else if (list.status === 'error') body = <ErrorNotice lead={t('duplicates.loadError')} error={list.error} onRetry={list.reload} />;
  else if (list.items.length === 0) body = <EmptyState icon="copy" title={t('duplicates.empty.title')} body={t('duplicates.empty.body')} />;
  else
    body = (
      <>
        {list.items.map((group) => (
          <section key={group.sha256} className="day duplicate-group" data-testid="duplicate-group" data-count={group.count}>
            <h2 className="day-heading">
              {tn('duplicates.copies', group.count)} · {formatSize(group.size, locale)}
            </h2>
            <ul className="grid">
              {group.files.map((file, index) => (
                <li key={file.id} data-testid="duplicate-file" data-original={index === 0 ? 'true' : undefined}>
                  <Tile file={file} />
                  {index === 0 && <span className="duplicate-original muted">{t('duplicates.original')}</span>}
                </li>
              ))}
            </ul>
          </section>
        ))}
        {list.nextCursor !== null && (
          <button type="button" className="btn btn--secondary" disabled={list.loadingMore} onClick={list.loadMore}>
            {t('duplicates.more')}
          </button>
        )}
      </>
    );

  return (
    <div className="library">
      <TopBar user={user} />
      <main className="library-main">
        <div className="library-toolbar library-toolbar--stacked">
          <h1 className="page-title">{t('duplicates.heading')}</h1>
          <p className="page-subheading">{t('duplicates.subheading')}</p>
        </div>
        {body}
      </main>
      <Footer />
    </div>
  );
}
