import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { Footer } from '../../components/Footer';
import { TopBar } from '../../components/TopBar';
import { Icon } from '../../components/Icon';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { FileKind, User, VaultFile } from '../../lib/api';
import { useBodyScrollLock } from '../../lib/useBodyScrollLock';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { ViewerPage } from '../viewer/ViewerPage';
import { DropOverlay } from './DropOverlay';
import { EmptyState } from './EmptyState';
import { KindFilter } from './KindFilter';
import { PagedFileGrid } from './PagedFileGrid';
import { UploadPanel } from './UploadPanel';
import { useFileDrop } from './useFileDrop';
import { useFileList } from './useFileList';
import { useUploads } from './useUploads';
import '../../styles/gallery.css';

const ACCEPT = 'image/*,audio/*,video/*';
/** Thumbnails are made in the background; look again after these delays (ms). */
const THUMBNAIL_RECHECKS = [1500, 4000, 10000];
const SKELETON_TILES = 12;

/**
 * The signed-in library. The viewer opens on top of it (rather than replacing it) so that
 * going back keeps the loaded pages and the scroll position, and so that it can step
 * through the files already listed.
 */
export function LibraryPage({ user, viewerId }: { user: User; viewerId: string | null }) {
  const { t } = useI18n();
  useDocumentTitle(viewerId ? null : t('title.gallery'));

  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim(), 300);
  const [kind, setKind] = useState<FileKind | null>(null);
  const list = useFileList({ kind, q });

  const refreshRef = useRef(list.refresh);
  useEffect(() => {
    refreshRef.current = list.refresh;
  });
  const recheckTimers = useRef<number[]>([]);
  useEffect(() => () => recheckTimers.current.forEach((timer) => window.clearTimeout(timer)), []);

  function recheckThumbnails(uploaded: VaultFile[]): void {
    const waitingForThumbnail = new Set(uploaded.filter((file) => file.kind === 'image').map((file) => file.id));
    const recheck = (attempt: number) => {
      const delay = THUMBNAIL_RECHECKS[attempt];
      if (delay === undefined) return;
      const timer = window.setTimeout(async () => {
        try {
          const fresh = await refreshRef.current();
          if (fresh.some((file) => waitingForThumbnail.has(file.id) && !file.urls.thumbnail)) recheck(attempt + 1);
        } catch {
          // A failed refresh only delays thumbnails until the next visit.
        }
      }, delay);
      recheckTimers.current.push(timer);
    };
    recheck(0);
  }

  const uploads = useUploads({
    onUploaded: list.addUploaded,
    onSettled: (uploaded) => {
      if (uploaded.length > 0) recheckThumbnails(uploaded);
    },
  });

  const inputRef = useRef<HTMLInputElement>(null);
  function handlePicked(event: ChangeEvent<HTMLInputElement>): void {
    const files = Array.from(event.target.files ?? []);
    // Reset so that picking the same file again still fires "change".
    event.target.value = '';
    if (files.length > 0) uploads.add(files);
  }

  const dragging = useFileDrop(viewerId === null, uploads.add);

  const uploadsRunning = uploads.items.some((item) => item.status === 'uploading');
  function closeUploadPanel(): void {
    if (uploadsRunning && !window.confirm(t('upload.confirmCancelAll'))) return;
    uploads.clear();
  }

  // Keep the page behind the viewer from scrolling.
  useBodyScrollLock(viewerId !== null);

  const filtered = kind !== null || q !== '';
  const openPicker = () => inputRef.current?.click();

  const empty = filtered ? (
    <EmptyState
      icon="search"
      title={t('gallery.noMatches.title')}
      body={t('gallery.noMatches.body')}
      action={
        <button
          type="button"
          className="btn btn--secondary"
          onClick={() => {
            setSearch('');
            setKind(null);
          }}
        >
          {t('gallery.noMatches.action')}
        </button>
      }
    />
  ) : (
    <EmptyState
      icon="image"
      title={t('gallery.empty.title')}
      body={t('gallery.empty.body')}
      action={
        <button type="button" className="btn btn--primary btn--large" onClick={openPicker}>
          <Icon name="upload" size={18} />
          {t('gallery.empty.action')}
        </button>
      }
    />
  );

  return (
    <>
      <div className="library" inert={viewerId !== null} aria-hidden={viewerId !== null ? true : undefined}>
        <TopBar user={user} search={{ value: search, onChange: setSearch }} onUploadClick={openPicker} />
        <input
          ref={inputRef}
          type="file"
          multiple
          accept={ACCEPT}
          hidden
          data-testid="upload-input"
          onChange={handlePicked}
        />
        <main className="library-main">
          <div className="library-toolbar">
            <h1>{t('gallery.heading')}</h1>
            <KindFilter value={kind} onChange={setKind} />
          </div>
          <PagedFileGrid list={list} skeletonTiles={SKELETON_TILES} loadError={t('gallery.loadError')} onReload={list.retry} empty={empty} />
        </main>
        <Footer />
      </div>
      {viewerId !== null && (
        <ViewerPage id={viewerId} files={list.items} onChanged={list.replace} onDeleted={list.remove} />
      )}
      {/* Over the viewer the panel would hide the media; show it there only while uploading. */}
      {(viewerId === null || uploadsRunning) && (
        <UploadPanel items={uploads.items} onCancel={uploads.cancel} onRemove={uploads.remove} onClose={closeUploadPanel} />
      )}
      {dragging && <DropOverlay />}
    </>
  );
}
