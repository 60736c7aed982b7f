import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort, type FileKind, type VaultFile } from '../../lib/api';

const PAGE_SIZE = 60;

export interface FileFilters {
  kind: FileKind | null;
  q: string;
}

export interface FileListState {
  items: VaultFile[];
  nextCursor: string | null;
  status: 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  error: unknown;
}

const INITIAL: FileListState = { items: [], nextCursor: null, status: 'loading', loadingMore: false, error: null };

function newestFirst(a: VaultFile, b: VaultFile): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

/**
 * Folds a freshly fetched first page into what is on screen: known files are updated
 * (a thumbnail may have appeared), unknown ones added, deeper pages kept as they are.
 */
function mergeFresh(current: VaultFile[], fresh: VaultFile[]): VaultFile[] {
  const freshById = new Map(fresh.map((file) => [file.id, file]));
  const known = new Set(current.map((file) => file.id));
  const updated = current.map((file) => freshById.get(file.id) ?? file);
  return [...updated, ...fresh.filter((file) => !known.has(file.id))].sort(newestFirst);
}

function matchesFilters(file: VaultFile, filters: FileFilters): boolean {
  if (filters.kind && file.kind !== filters.kind) return false;
  return !filters.q || file.name.toLowerCase().includes(filters.q.toLowerCase());
}

/** The paged, filtered list of the signed-in user's files. */
export function useFileList({ kind, q }: FileFilters) {
  const [state, setState] = useState<FileListState>(INITIAL);
  const [reloads, setReloads] = useState(0);
  // Bumped whenever a new first page is requested, so answers to older queries are dropped.
  const generation = useRef(0);
  const loadingMore = useRef(false);

  useEffect(() => {
    const current = ++generation.current;
    const controller = new AbortController();
    // Keep the previous results on screen (dimmed) while the new query runs, so typing in
    // the search box does not flash the grid.
    setState((previous) => ({ ...previous, status: 'loading', loadingMore: false, error: null }));
    api
      .listFiles({ limit: PAGE_SIZE, kind, q }, controller.signal)
      .then(({ data }) => {
        if (current !== generation.current) return;
        setState({ items: data.items, nextCursor: data.nextCursor, status: 'ready', loadingMore: false, error: null });
      })
      .catch((error: unknown) => {
        if (isAbort(error) || current !== generation.current) return;
        setState({ ...INITIAL, status: 'error', error });
      });
    return () => controller.abort();
  }, [kind, q, reloads]);

  const { nextCursor, status } = state;
  const loadMore = useCallback(() => {
    if (!nextCursor || loadingMore.current || status !== 'ready') return;
    loadingMore.current = true;
    const current = generation.current;
    setState((previous) => ({ ...previous, loadingMore: true, error: null }));
    api
      .listFiles({ limit: PAGE_SIZE, cursor: nextCursor, kind, q })
      .then(({ data }) => {
        if (current !== generation.current) return;
        setState((previous) => {
          const known = new Set(previous.items.map((file) => file.id));
          const items = [...previous.items, ...data.items.filter((file) => !known.has(file.id))];
          return { ...previous, items, nextCursor: data.nextCursor, loadingMore: false };
        });
      })
      .catch((error: unknown) => {
        // Keep what is on screen; the end of the grid offers a retry.
        if (current === generation.current) setState((previous) => ({ ...previous, loadingMore: false, error }));
      })
      .finally(() => {
        loadingMore.current = false;
      });
  }, [nextCursor, status, kind, q]);

  /** Re-reads the first page and merges it in (after uploads, to pick up thumbnails). */
  const refresh = useCallback(async (): Promise<VaultFile[]> => {
    const current = generation.current;
    const { data } = await api.listFiles({ limit: PAGE_SIZE, kind, q });
    if (current === generation.current) {
      setState((previous) => ({ ...previous, items: mergeFresh(previous.items, data.items) }));
    }
    return data.items;
  }, [kind, q]);

  /** Shows a just-uploaded file at once, if it belongs in the current view. */
  const addUploaded = useCallback(
    (file: VaultFile) => {
      if (!matchesFilters(file, { kind, q })) return;
      setState((previous) => ({ ...previous, items: mergeFresh(previous.items, [file]) }));
    },
    [kind, q],
  );

  const replace = useCallback((file: VaultFile) => {
    setState((previous) => ({ ...previous, items: previous.items.map((item) => (item.id === file.id ? file : item)) }));
  }, []);

  const remove = useCallback((id: string) => {
    setState((previous) => ({ ...previous, items: previous.items.filter((item) => item.id !== id) }));
  }, []);

  /** After a failed first page: reload it; after a failed "more": try that page again. */
  const retry = useCallback(() => {
    if (status === 'error') setReloads((count) => count + 1);
    else loadMore();
  }, [status, loadMore]);

  return { ...state, loadMore, refresh, addUploaded, replace, remove, retry };
}
