import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { filesChanged, putFile, useFile } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { ApiError, api, type VaultFile } from '../../api/api';
import { useHistoryState } from '../../lib/router';
import { FaceLayer } from './FaceLayer';
import { Media } from './Media';
import { SharePanel } from './SharePanel';
import { useSwipe, useViewerKeys } from './useViewerNavigation';
import { ViewerBar } from './ViewerBar';
import { ViewerInfo } from './ViewerInfo';
import '../../styles/viewer.css';

/** A listed file; those shared with me also say whose they are and since when. */
type ListedFile = VaultFile & { owner?: string; sharedAt?: string };

export type ViewerMode = 'library' | 'shared';

interface ViewerPageProps {
  id: string;
  /** The files listed behind the viewer, for previous/next and an instant first paint. */
  files: ListedFile[];
  /** 'library': my own files; 'shared': files others shared with me. */
  mode?: ViewerMode;
  /** Where closing and stepping lead, when the grid behind is not the mode's own (a person's files). */
  paths?: ViewerPaths;
}

export interface ViewerPaths {
  home: string;
  file(id: string): string;
}

const HOME: Record<ViewerMode, string> = { library: '/', shared: '/shared' };
const FILE_PATH: Record<ViewerMode, (id: string) => string> = {
  library: (id) => `/files/${encodeURIComponent(id)}`,
  shared: (id) => `/shared/${encodeURIComponent(id)}`,
};

/** Closing and stepping keep the grid's filters (?q=…), which stay in the address under the viewer. */
function useViewerRoutes(mode: ViewerMode, paths?: ViewerPaths) {
  const navigate = useNavigate();
  const { search } = useLocation();
  const historyState = useHistoryState();
  const home = paths?.home ?? HOME[mode];
  const filePath = paths?.file ?? FILE_PATH[mode];
  return {
    // Back in history when we came from the grid (keeps its scroll), else to it.
    close: () => (historyState.fromGallery ? navigate(-1) : navigate(home + search, { replace: true })),
    // Replace, so that Back leaves the viewer instead of walking through every file seen.
    open: (id: string) => navigate(filePath(id) + search, { replace: true, state: historyState }),
    home: () => navigate(home + search, { replace: true }),
  };
}

export function ViewerPage({ id, files, mode = 'library', paths }: ViewerPageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const queries = useQueryClient();
  const routes = useViewerRoutes(mode, paths);
  const fetched = useFile(id);
  const [renaming, setRenaming] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [mediaFailed, setMediaFailed] = useState(false);
  const [sharing, setSharing] = useState(false);
  const backRef = useRef<HTMLButtonElement>(null);
  const shareButtonRef = useRef<HTMLButtonElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const imageRef = useRef<HTMLImageElement>(null);
  const [namingFace, setNamingFace] = useState(false);

  useEffect(() => {
    setRenaming(false);
    setMediaFailed(false);
    setSharing(false);
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
  const file = fetched.data ?? listed ?? null;
  const previous = index > 0 ? files[index - 1] : undefined;
  const next = index >= 0 && index < files.length - 1 ? files[index + 1] : undefined;
  useDocumentTitle(file?.name ?? t('app.loading'));

  const navigation = {
    busy: renaming || confirmingDelete || sharing || namingFace,
    close: routes.close,
    previous: previous ? () => routes.open(previous.id) : undefined,
    next: next ? () => routes.open(next.id) : undefined,
  };
  useViewerKeys(navigation);
  useSwipe(stageRef, navigation);

  function handleRenamed(updated: VaultFile): void {
    putFile(queries, updated);
    setRenaming(false);
  }

  async function handleDelete(): Promise<void> {
    if (!file) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.deleteFile(file.id);
      filesChanged(queries);
      setConfirmingDelete(false);
      routes.close();
    } catch (error) {
      setDeleteError(error);
      setDeleting(false);
    }
  }

  const loadError = fetched.error;
  const notFound = !file && loadError instanceof ApiError && loadError.status === 404;

  return (
    <div className="viewer" role="region" aria-label={file?.name ?? t('app.loading')}>
      <ViewerBar
        file={file}
        shared={mode === 'shared'}
        renaming={renaming}
        backRef={backRef}
        shareButtonRef={shareButtonRef}
        onBack={routes.close}
        onRenamed={handleRenamed}
        onRenameToggle={setRenaming}
        onShare={() => setSharing(true)}
        onDelete={() => {
          setDeleteError(null);
          setConfirmingDelete(true);
        }}
      />

      <div className="viewer-body">
        <div className="viewer-stage" ref={stageRef} data-testid="viewer-stage">
          {previous && (
            <button type="button" className="viewer-nav viewer-nav--prev" aria-label={t('viewer.previous')} data-testid="viewer-previous" onClick={navigation.previous}>
              <Icon name="chevronLeft" size={28} />
            </button>
          )}
          {file ? (
            <Media key={file.id} file={file} failed={mediaFailed} onError={() => setMediaFailed(true)} imageRef={imageRef} />
          ) : notFound ? (
            <div className="viewer-message">
              <Icon name="alert" size={32} />
              <p>{t('viewer.notFound')}</p>
              <button type="button" className="btn btn--secondary" onClick={routes.home}>
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
          {/* Names are the owner’s: a file shared with me shows none, so it gets no boxes. Its key differs
              from the Media’s: siblings with one key would be confused by React (duplicated images). */}
          {file && file.kind === 'image' && mode !== 'shared' && file.permissions.write && !mediaFailed && (
            <FaceLayer key={`faces-${file.id}`} fileId={file.id} imageRef={imageRef} onBusyChange={setNamingFace} />
          )}
          {mediaFailed && file && (
            <p className="viewer-media-error" role="alert">
              {t('viewer.mediaError')}
            </p>
          )}
          {next && (
            <button type="button" className="viewer-nav viewer-nav--next" aria-label={t('viewer.next')} data-testid="viewer-next" onClick={navigation.next}>
              <Icon name="chevronRight" size={28} />
            </button>
          )}
        </div>

        {file && <ViewerInfo file={file} owner={listed?.owner} sharedAt={listed?.sharedAt} />}
      </div>

      {sharing && file && <SharePanel file={file} onClose={() => setSharing(false)} />}
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
