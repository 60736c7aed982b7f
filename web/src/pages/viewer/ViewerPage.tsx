import { useCallback, useEffect, useRef, useState } from 'react';
import { Avatar } from '../../components/Avatar';
import { Icon, KindIcon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { ApiError, api, isAbort, type VaultFile } from '../../lib/api';
import { formatDateTime, formatDuration, formatSize } from '../../lib/format';
import { currentHistoryState, navigate } from '../../lib/router';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { RenameForm } from './RenameForm';
import { SharePanel } from './SharePanel';
import '../../styles/viewer.css';

/** A listed file; those shared with me also say whose they are and since when. */
type ListedFile = VaultFile & { owner?: string; sharedAt?: string };

export type ViewerMode = 'library' | 'shared';

interface ViewerPageProps {
  id: string;
  /** The files listed behind the viewer, for previous/next and an instant first paint. */
  files: ListedFile[];
  onChanged?(file: VaultFile): void;
  onDeleted?(id: string): void;
  /**
   * 'library': my own files (rename, delete, share). 'shared': files others shared with
   * me, which I can only view and download.
   */
  mode?: ViewerMode;
}

interface Fetched {
  id: string;
  file: VaultFile | null;
  error: unknown;
}

const PATHS: Record<ViewerMode, { home: string; file: (id: string) => string }> = {
  library: { home: '/', file: (id) => `/files/${encodeURIComponent(id)}` },
  shared: { home: '/shared', file: (id) => `/shared/${encodeURIComponent(id)}` },
};

/** Closes the viewer: back in history when we came from the grid, else to it. */
function closeViewer(mode: ViewerMode): void {
  if (currentHistoryState().fromGallery) window.history.back();
  else navigate(PATHS[mode].home, { replace: true });
}

function openSibling(mode: ViewerMode, id: string): void {
  // Replace, so that Back leaves the viewer instead of walking through every file seen.
  navigate(PATHS[mode].file(id), { replace: true, state: currentHistoryState() });
}

/** Whether I own a file: 'unknown' until known, for files the library has not listed. */
type Ownership = { id: string; owner: boolean | null };

export function ViewerPage({ id, files, onChanged, onDeleted, mode = 'library' }: ViewerPageProps) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const [fetched, setFetched] = useState<Fetched>({ id: '', file: null, error: null });
  const [renaming, setRenaming] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [mediaFailed, setMediaFailed] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [probed, setProbed] = useState<Ownership>({ id: '', owner: null });
  const backRef = useRef<HTMLButtonElement>(null);
  const shareButtonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    setRenaming(false);
    setMediaFailed(false);
    setSharing(false);
    api
      .getFile(id, controller.signal)
      .then(({ data }) => setFetched({ id, file: data, error: null }))
      .catch((error: unknown) => {
        if (!isAbort(error)) setFetched({ id, file: null, error });
      });
    return () => controller.abort();
  }, [id]);

  // Focus moves into the viewer, and back to whatever opened it (a tile) on close.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    backRef.current?.focus();
    return () => {
      if (opener?.isConnected) opener.focus({ preventScroll: true });
    };
  }, []);

  const index = files.findIndex((file) => file.id === id);
  const listed = index >= 0 ? files[index] : undefined;
  const file = (fetched.id === id ? fetched.file : null) ?? listed ?? null;
  const loadError = fetched.id === id ? fetched.error : null;
  const previous = index > 0 ? files[index - 1] : undefined;
  const next = index >= 0 && index < files.length - 1 ? files[index + 1] : undefined;

  // The library lists only my files. A file reached some other way (an address typed or
  // shared in a message) may be someone else's: its share list answers 403 then.
  const mustProbe = mode === 'library' && !listed;
  useEffect(() => {
    if (!mustProbe) return;
    const controller = new AbortController();
    api
      .listShares(id, controller.signal)
      .then(() => setProbed({ id, owner: true }))
      .catch((error: unknown) => {
        if (isAbort(error)) return;
        setProbed({ id, owner: error instanceof ApiError && error.status === 403 ? false : null });
      });
    return () => controller.abort();
  }, [id, mustProbe]);
  const owner = mode === 'library' && (listed !== undefined || (probed.id === id && probed.owner === true));
  const readOnly = mode === 'shared' || (probed.id === id && probed.owner === false);

  useDocumentTitle(file?.name ?? t('app.loading'));

  const handleKey = useCallback(
    (event: KeyboardEvent) => {
      if (event.defaultPrevented || renaming || confirmingDelete || sharing) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      // Arrow keys belong to form fields and media controls (seeking, volume).
      const inControl = target?.closest('input, textarea, select, video, audio') ?? null;
      if (event.key === 'Escape') closeViewer(mode);
      else if (inControl) return;
      else if (event.key === 'ArrowLeft' && previous) openSibling(mode, previous.id);
      else if (event.key === 'ArrowRight' && next) openSibling(mode, next.id);
    },
    [renaming, confirmingDelete, sharing, previous, next, mode],
  );
  useEffect(() => {
    window.addEventListener('keydown', handleKey);
    return () => window.removeEventListener('keydown', handleKey);
  }, [handleKey]);

  function handleRenamed(updated: VaultFile): void {
    setFetched({ id: updated.id, file: updated, error: null });
    onChanged?.(updated);
    setRenaming(false);
  }

  async function handleDelete(): Promise<void> {
    if (!file) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.deleteFile(file.id);
      onDeleted?.(file.id);
      setConfirmingDelete(false);
      closeViewer(mode);
    } catch (error) {
      setDeleteError(error);
      setDeleting(false);
    }
  }

  const notFound = !file && loadError instanceof ApiError && loadError.status === 404;

  return (
    <div className="viewer" role="region" aria-label={file?.name ?? t('app.loading')}>
      <header className="viewer-bar">
        <button
          ref={backRef}
          type="button"
          className="icon-btn icon-btn--dark"
          aria-label={mode === 'shared' ? t('viewer.backShared') : t('viewer.back')}
          data-testid="viewer-back"
          onClick={() => closeViewer(mode)}
        >
          <Icon name="arrowLeft" size={22} />
        </button>
        <div className="viewer-title">
          {file && renaming ? (
            <RenameForm file={file} onRenamed={handleRenamed} onCancel={() => setRenaming(false)} />
          ) : (
            <h1 title={file?.name}>{file?.name ?? ''}</h1>
          )}
        </div>
        {file && (
          <div className="viewer-actions">
            {readOnly && (
              <span className="viewer-readonly" data-testid="viewer-read-only">
                <Icon name="eye" size={16} />
                <span className="hide-narrow">{t('viewer.readOnly')}</span>
              </span>
            )}
            {owner && (
              <button
                ref={shareButtonRef}
                type="button"
                className="btn btn--ghost-dark"
                data-testid="share-button"
                aria-label={t('viewer.share')}
                aria-haspopup="dialog"
                onClick={() => setSharing(true)}
              >
                <Icon name="share" size={18} />
                <span className="hide-narrow" aria-hidden="true">
                  {t('viewer.share')}
                </span>
              </button>
            )}
            <a className="btn btn--ghost-dark" href={file.urls.download} download={file.name} data-testid="viewer-download" aria-label={t('viewer.download')}>
              <Icon name="download" size={18} />
              <span className="hide-narrow" aria-hidden="true">
                {t('viewer.download')}
              </span>
            </a>
            {owner && (
              <>
                <button
                  type="button"
                  className="btn btn--ghost-dark"
                  data-testid="viewer-rename"
                  aria-label={t('viewer.rename')}
                  aria-pressed={renaming}
                  onClick={() => setRenaming((value) => !value)}
                >
                  <Icon name="pencil" size={18} />
                  <span className="hide-narrow" aria-hidden="true">
                    {t('viewer.rename')}
                  </span>
                </button>
                <button
                  type="button"
                  className="btn btn--ghost-dark btn--danger-text"
                  data-testid="viewer-delete"
                  aria-label={t('viewer.delete')}
                  onClick={() => {
                    setDeleteError(null);
                    setConfirmingDelete(true);
                  }}
                >
                  <Icon name="trash" size={18} />
                  <span className="hide-narrow" aria-hidden="true">
                    {t('viewer.delete')}
                  </span>
                </button>
              </>
            )}
          </div>
        )}
      </header>

      <div className="viewer-body">
        <div className="viewer-stage">
          {previous && (
            <button type="button" className="viewer-nav viewer-nav--prev" aria-label={t('viewer.previous')} onClick={() => openSibling(mode, previous.id)}>
              <Icon name="chevronLeft" size={28} />
            </button>
          )}
          {file ? (
            <Media key={file.id} file={file} failed={mediaFailed} onError={() => setMediaFailed(true)} />
          ) : notFound ? (
            <div className="viewer-message">
              <Icon name="alert" size={32} />
              <p>{t('viewer.notFound')}</p>
              <button type="button" className="btn btn--secondary" onClick={() => navigate(PATHS[mode].home, { replace: true })}>
                {t('notFound.back')}
              </button>
            </div>
          ) : loadError ? (
            <div className="viewer-message" role="alert">
              <Icon name="alert" size={32} />
              <p>{errorMessage(loadError, i18n)}</p>
            </div>
          ) : (
            <Spinner label={t('app.loading')} size={36} />
          )}
          {mediaFailed && file && (
            <p className="viewer-media-error" role="alert">
              {t('viewer.mediaError')}
            </p>
          )}
          {next && (
            <button type="button" className="viewer-nav viewer-nav--next" aria-label={t('viewer.next')} onClick={() => openSibling(mode, next.id)}>
              <Icon name="chevronRight" size={28} />
            </button>
          )}
        </div>

        {file && (
          <aside className="viewer-info" aria-labelledby="viewer-info-title">
            <h2 id="viewer-info-title">{t('viewer.details')}</h2>
            <dl>
              <div>
                <dt>{t('viewer.type')}</dt>
                <dd>
                  <span className="kind-pill">
                    <KindIcon kind={file.kind} size={14} />
                    {t(`kind.${file.kind}`)}
                  </span>
                  <span className="muted">{file.contentType}</span>
                </dd>
              </div>
              <div>
                <dt>{t('viewer.size')}</dt>
                <dd>{formatSize(file.size, locale)}</dd>
              </div>
              {file.width !== undefined && file.height !== undefined && (
                <div>
                  <dt>{t('viewer.dimensions')}</dt>
                  <dd>{t('viewer.dimensionsValue', { width: file.width, height: file.height })}</dd>
                </div>
              )}
              {file.durationSeconds !== undefined && (
                <div>
                  <dt>{t('viewer.duration')}</dt>
                  <dd>{formatDuration(file.durationSeconds)}</dd>
                </div>
              )}
              {listed?.owner !== undefined && (
                <div>
                  <dt>{t('viewer.sharedBy')}</dt>
                  <dd className="viewer-owner" data-testid="viewer-owner">
                    <Avatar name={listed.owner} seed={listed.owner} size={24} />
                    {listed.owner}
                  </dd>
                </div>
              )}
              {listed?.sharedAt !== undefined && (
                <div>
                  <dt>{t('viewer.sharedOn')}</dt>
                  <dd>{formatDateTime(listed.sharedAt, locale)}</dd>
                </div>
              )}
              <div>
                <dt>{t('viewer.uploaded')}</dt>
                <dd>{formatDateTime(file.createdAt, locale)}</dd>
              </div>
              <div>
                <dt>{t('viewer.checksum')}</dt>
                <dd className="mono" title={file.sha256}>
                  {file.sha256}
                </dd>
              </div>
            </dl>
          </aside>
        )}
      </div>

      {sharing && file && (
        <SharePanel
          file={file}
          onClose={() => {
            setSharing(false);
            shareButtonRef.current?.focus();
          }}
        />
      )}
      <ConfirmDialog
        open={confirmingDelete}
        title={t('viewer.deleteTitle')}
        confirmLabel={t('viewer.deleteConfirm')}
        busyLabel={t('viewer.deleting')}
        cancelLabel={t('viewer.cancel')}
        busy={deleting}
        error={deleteError !== null ? errorMessage(deleteError, i18n) : null}
        onConfirm={handleDelete}
        onClose={() => setConfirmingDelete(false)}
      >
        <p>{t('viewer.deleteBody', { name: file?.name ?? '' })}</p>
      </ConfirmDialog>
    </div>
  );
}

function Media({ file, failed, onError }: { file: VaultFile; failed: boolean; onError(): void }) {
  if (file.kind === 'image') {
    return <img className="viewer-image" data-testid="viewer-image" src={file.urls.content} alt={file.name} onError={onError} />;
  }
  if (file.kind === 'video') {
    return (
      <video
        className="viewer-video"
        data-testid="viewer-video"
        src={file.urls.content}
        controls
        playsInline
        preload="metadata"
        poster={file.urls.thumbnail}
        onError={onError}
      />
    );
  }
  return (
    <div className={`viewer-audio-card${failed ? ' viewer-audio-card--failed' : ''}`}>
      <span className="viewer-audio-art" aria-hidden="true">
        <KindIcon kind="audio" size={56} />
      </span>
      <p className="viewer-audio-name">{file.name}</p>
      <audio className="viewer-audio" data-testid="viewer-audio" src={file.urls.content} controls preload="metadata" onError={onError} />
    </div>
  );
}
