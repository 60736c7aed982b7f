// Live updates: one EventSource per signed-in tab on GET /api/v1/events. A `file.step` event
// carries the file as GET /files/:id describes it (less `permissions`, which depend on the
// credential): it is merged into every cached copy, the list pages and the single file, so a
// thumbnail, poster or tag set shows without polling; a file a list has not loaded, though it
// falls among what the list has, makes the list read again (a file sent from elsewhere shows).
// `reset` means events were missed.
import { useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { API_BASE, type VaultFile } from './api';
import { keys, type FileFilters } from './queries';

type StreamedFile = Omit<VaultFile, 'permissions'>;
interface StepEvent {
  fileId: string;
  step?: string;
  file?: StreamedFile;
}
interface Page {
  items: VaultFile[];
  nextCursor: string | null;
}

let open = false;
const listeners = new Set<() => void>();
function setOpen(value: boolean): void {
  if (open === value) return;
  open = value;
  for (const listener of listeners) listener();
}

/** Whether the stream is open now: the queries poll slowly only while it is not. */
export function liveEventsOpen(): boolean {
  return open;
}

export function useLiveEventsOpen(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => open,
  );
}

/** Puts what the stream said over a cached file, keeping what it leaves out (permissions). */
function merge(cached: VaultFile, streamed: StreamedFile): VaultFile {
  return { ...cached, ...streamed, permissions: cached.permissions };
}

const listed = (data: InfiniteData<Page> | undefined, id: string) => data?.pages.flatMap((page) => page.items).find((item) => item.id === id);

export function applyFileEvent(queries: QueryClient, event: StepEvent): void {
  // The faces step found (and perhaps matched) faces: the file's boxes, and the people and
  // clusters they join, are read again where they are on screen.
  if (event.step === 'faces') {
    void queries.invalidateQueries({ queryKey: keys.faces(event.fileId) });
    void queries.invalidateQueries({ queryKey: keys.people });
  }
  const streamed = event.file;
  if (!streamed) {
    void queries.invalidateQueries({ queryKey: keys.file(event.fileId) });
    return;
  }
  queries.setQueryData<VaultFile>(keys.file(event.fileId), (cached) => (cached ? merge(cached, streamed) : cached));
  let takenAtMoved = false;
  let appeared = false;
  for (const [queryKey, data] of queries.getQueriesData<InfiniteData<Page>>({ queryKey: [...keys.files, 'list'] })) {
    const cached = listed(data, event.fileId);
    if (!cached) {
      // A file of ours this list has not seen, among what it has loaded: new to it (sent
      // from another device or tab, or by an upload whose answer never came), so read again.
      if (withinLoaded(data, queryKey[2] as FileFilters | undefined, streamed)) {
        void queries.invalidateQueries({ queryKey, exact: true });
        appeared = true;
      }
      continue;
    }
    const moved = cached.takenAt !== streamed.takenAt;
    takenAtMoved ||= moved;
    // The facts step read a date taken: in a list ordered (or bounded) by it the file moves,
    // which only the server can place among pages not loaded, so that list is read again.
    if (moved && (queryKey[2] as { sort?: string } | undefined)?.sort === 'takenAt') {
      void queries.invalidateQueries({ queryKey, exact: true });
      continue;
    }
    queries.setQueryData<InfiniteData<Page>>(queryKey, {
      ...data!,
      pages: data!.pages.map((page) => ({ ...page, items: page.items.map((item) => (item.id === event.fileId ? merge(item, streamed) : item)) })),
    });
  }
  // The month counts change only when a date taken does, or a file comes.
  if (takenAtMoved || appeared) void queries.invalidateQueries({ queryKey: keys.timeline });
}

/**
 * Whether `file` falls among a list's loaded pages by the list's order: all of the list is
 * loaded, or the file sorts before its last loaded item. A step on an old file far down a
 * long library (a retry, faces found again) then costs no reading.
 */
function withinLoaded(data: InfiniteData<Page> | undefined, filters: FileFilters | undefined, file: StreamedFile): boolean {
  const last = data?.pages.at(-1);
  if (!last) return false;
  const lastItem = last.items.at(-1);
  if (last.nextCursor === null || !lastItem) return true;
  const sort = filters?.sort ?? 'createdAt';
  const [value, bound] = [file[sort], lastItem[sort]];
  if (value === undefined || bound === undefined) return true;
  return (filters?.order ?? 'desc') === 'desc' ? value >= bound : value <= bound;
}

/** After the server refused the stream (EventSource gives up on a 429 or 503), try again. */
const REOPEN_MS = 30_000;

/** Opens the stream for as long as the signed-in part of the app is mounted. */
export function useLiveEvents(): void {
  const queries = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    let source: EventSource | null = null;
    let reopenTimer: ReturnType<typeof setTimeout> | undefined;
    const catchUp = () => {
      void queries.invalidateQueries({ queryKey: keys.files });
      void queries.invalidateQueries({ queryKey: keys.timeline });
    };
    const connect = (fresh: boolean) => {
      // EventSource reconnects by itself after a dropped connection, sending Last-Event-ID so
      // that the server replays; a new one after a refusal cannot, so it reads the lists again.
      const current = new EventSource(`${API_BASE}/events`, { withCredentials: true });
      source = current;
      current.addEventListener('ready', () => {
        setOpen(true);
        if (fresh) catchUp();
        fresh = false;
      });
      current.addEventListener('error', () => {
        setOpen(current.readyState === EventSource.OPEN);
        if (current.readyState === EventSource.CLOSED) reopenTimer = setTimeout(() => connect(true), REOPEN_MS);
      });
      current.addEventListener('file.step', (message) => {
        try {
          applyFileEvent(queries, JSON.parse((message as MessageEvent<string>).data) as StepEvent);
        } catch {
          // A malformed event is dropped; the next reset or reload catches up.
        }
      });
      current.addEventListener('reset', catchUp);
    };
    connect(false);
    return () => {
      clearTimeout(reopenTimer);
      source?.close();
      setOpen(false);
    };
  }, [queries]);
}
