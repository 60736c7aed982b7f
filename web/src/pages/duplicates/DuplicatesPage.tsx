import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { filesChanged, keys, useDuplicates } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Footer } from '../../components/Footer';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { TopBar } from '../../components/TopBar';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { api, type DuplicateGroup, type User, type VaultFile } from '../../api/api';
import { EmptyState } from '../gallery/EmptyState';
import { DuplicateGroupSection } from './DuplicateGroupSection';
import '../../styles/gallery.css';
import '../../styles/shell.css';

/** A removal waiting for its confirmation: one copy, or every copy but the one kept. */
type Removal = { kind: 'delete'; file: VaultFile } | { kind: 'keep'; file: VaultFile; others: VaultFile[] };

/**
 * Files stored more than once (same bytes): one group per content, oldest first. Each copy can
 * be deleted, or kept with the others deleted (one all-or-none bulk delete); once one copy is
 * left, the server no longer lists the group and it goes from the page.
 */
export function DuplicatesPage({ user }: { user: User }) {
  const i18n = useI18n();
  const { t, tn } = i18n;
  useDocumentTitle(t('title.duplicates'));
  const list = useDuplicates();
  const queries = useQueryClient();
  const [removal, setRemoval] = useState<Removal | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function ask(next: Removal): void {
    setFailure(null);
    setNotice(null);
    setRemoval(next);
  }

  async function confirm(): Promise<void> {
    if (!removal) return;
    setBusy(true);
    setFailure(null);
    try {
      const ids = removal.kind === 'delete' ? [removal.file.id] : removal.others.map((file) => file.id);
      if (ids.length === 1) await api.deleteFile(ids[0]!);
      else await api.deleteFiles(ids);
      for (const id of ids) queries.removeQueries({ queryKey: keys.file(id) });
      // The groups, the library and the timeline's counts are read again.
      filesChanged(queries);
      setNotice(tn('duplicates.deleted', ids.length));
      setRemoval(null);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const keepOnly = (group: DuplicateGroup) => (file: VaultFile) => ask({ kind: 'keep', file, others: group.files.filter((other) => other.id !== file.id) });

  let body;
  if (list.status === 'loading' && list.items.length === 0) body = <Spinner label={t('app.loading')} size={24} />;
  else if (list.status === 'error') body = <ErrorNotice lead={t('duplicates.loadError')} error={list.error} onRetry={list.reload} />;
  else if (list.items.length === 0) body = <EmptyState icon="copy" title={t('duplicates.empty.title')} body={t('duplicates.empty.body')} />;
  else
    body = (
      <>
        {list.items.map((group) => (
          <DuplicateGroupSection key={group.sha256} group={group} busy={busy} onDelete={(file) => ask({ kind: 'delete', file })} onKeepOnly={keepOnly(group)} />
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
        {notice && (
          <div className="form-alert form-alert--success duplicate-notice" role="status" data-testid="duplicates-notice">
            <Icon name="check" size={16} />
            <span>{notice}</span>
          </div>
        )}
        {body}
      </main>
      <Footer />

      <ConfirmDialog
        open={removal !== null}
        title={removal?.kind === 'keep' ? t('duplicates.keep.title') : t('duplicates.delete.title')}
        confirmLabel={t('duplicates.delete.confirm')}
        busyLabel={t('duplicates.deleting')}
        busy={busy}
        error={failure !== null ? errorMessage(failure, i18n) : null}
        errorTestId="duplicates-delete-error"
        confirmTestId="duplicates-confirm"
        onConfirm={confirm}
        onClose={() => setRemoval(null)}
      >
        {removal && <p>{removal.kind === 'keep' ? tn('duplicates.keep.body', removal.others.length, { name: removal.file.name }) : t('duplicates.delete.body', { name: removal.file.name })}</p>}
      </ConfirmDialog>
    </div>
  );
}
