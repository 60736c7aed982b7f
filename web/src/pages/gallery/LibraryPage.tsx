import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { filesChanged, useFileList, useTimeline } from '../../api/queries';
import { Footer } from '../../components/Footer';
import { TopBar } from '../../components/TopBar';
import { Icon } from '../../components/Icon';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { User } from '../../api/api';
import { useSearchParam } from '../../lib/router';
import { useBodyScrollLock } from '../../lib/useBodyScrollLock';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { ViewerPage } from '../viewer/ViewerPage';
import { DropOverlay } from './DropOverlay';
import { EmptyState } from './EmptyState';
import { KindFilter } from './KindFilter';
import { MonthScrubber } from './MonthScrubber';
import { SortControl } from './SortControl';
import { TakenTimeline } from './TakenTimeline';
import { useLibraryFilters } from './useLibraryFilters';
import { PagedFileGrid } from './PagedFileGrid';
import { UploadPanel } from './UploadPanel';
import { useFileDrop } from './useFileDrop';
import { useUploads } from './useUploads';
import { useSession } from '../../session/session';
import '../../styles/gallery.css';

const ACCEPT = 'image/*,audio/*,video/*';
const SKELETON_TILES = 12;

/**
 * The signed-in library. The viewer opens on top of it (rather than replacing it) so that
 * going back keeps the loaded pages and the scroll position, and so that it can step
 * through the files already listed.
 */
export function LibraryPage({ user, viewerId }: { user: User; viewerId: string | null }) {
  const { t } = useI18n();
  useDocumentTitle(viewerId ? null : t('title.gallery'));

  // The filters are in the address (?q=…&kind=…&sort=…): a reload or Back keeps them.
  const [urlQuery, setUrlQuery] = useSearchParam('q');
  const filters = useLibraryFilters();
  const { kind, setKind, sort } = filters;
  const [search, setSearch] = useState(urlQuery);
  const q = useDebouncedValue(search.trim(), 300);
  useEffect(() => {
    if (q !== urlQuery) setUrlQuery(q);
    // Only the debounced text goes to the address, never the other way round while typing.
  }, [q]);
  const list = useFileList(filters.query(q));
  const timeline = useTimeline(kind);
  const byTaken = sort === 'takenAt';
  const buckets = timeline.data ?? [];
  const queries = useQueryClient();

  // Thumbnails not made yet are picked up by the list query itself (it polls while any is missing).
  const { maxUploadBytes } = useSession();
  const uploads = useUploads({ maxUploadBytes, onStored: () => filesChanged(queries) });

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

  const filtered = kind !== null || q !== '' || filters.month !== '';
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
            <div className="library-controls">
              <KindFilter value={kind} onChange={setKind} />
              <SortControl sort={sort} order={filters.order} onSort={filters.setSort} onOrder={filters.setOrder} />
            </div>
          </div>
          {byTaken && q === '' && <MonthScrubber buckets={buckets} month={filters.month} onJump={filters.setMonth} />}
          <PagedFileGrid
            list={list}
            skeletonTiles={SKELETON_TILES}
            loadError={t('gallery.loadError')}
            onReload={list.reload}
            empty={empty}
            grouping={sort === 'createdAt' ? 'day' : 'none'}
            render={byTaken ? (files) => <TakenTimeline files={files} buckets={q === '' ? buckets : []} /> : undefined}
          />
        </main>
        <Footer />
      </div>
      {viewerId !== null && (
        <ViewerPage id={viewerId} files={list.items} />
      )}
      {/* Over the viewer the panel would hide the media; show it there only while uploading. */}
      {(viewerId === null || uploadsRunning) && (
        <UploadPanel items={uploads.items} onCancel={uploads.cancel} onRemove={uploads.remove} onClose={closeUploadPanel} />
      )}
      {dragging && <DropOverlay />}
    </>
  );
}
