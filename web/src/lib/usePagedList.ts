import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort, type Page } from './api';

export interface PagedListState<T> {
  items: T[];
  nextCursor: string | null;
  /** 'loading' keeps the previous items (shown dimmed) while a new query runs. */
  status: 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  /** The error of the first page (status 'error') or of the last "load more". */
  error: unknown;
}

type Fetcher<T> = (cursor: string | null, signal?: AbortSignal) => Promise<{ data: Page<T> }>;

/**
 * A cursor-paged list: the first page whenever `key` changes (a new search or filter),
 * then more pages on demand. Answers to superseded queries are dropped.
 */
export function usePagedList<T>(fetchPage: Fetcher<T>, key: string) {
  const [state, setState] = useState<PagedListState<T>>({ items: [], nextCursor: null, status: 'loading', loadingMore: false, error: null });
  const [reloads, setReloads] = useState(0);
  const fetcher = useRef(fetchPage);
  useEffect(() => {
    fetcher.current = fetchPage;
  });
  const generation = useRef(0);
  const busyMore = useRef(false);

  useEffect(() => {
    const current = ++generation.current;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, status: 'loading', loadingMore: false, error: null }));
    fetcher
      .current(null, controller.signal)
      .then(({ data }) => {
        if (current === generation.current) setState({ items: data.items, nextCursor: data.nextCursor, status: 'ready', loadingMore: false, error: null });
      })
      .catch((error: unknown) => {
        if (isAbort(error) || current !== generation.current) return;
        setState({ items: [], nextCursor: null, status: 'error', loadingMore: false, error });
      });
    return () => controller.abort();
  }, [key, reloads]);

  const { nextCursor, status } = state;
  const loadMore = useCallback(() => {
    if (!nextCursor || busyMore.current || status !== 'ready') return;
    busyMore.current = true;
    const current = generation.current;
    setState((previous) => ({ ...previous, loadingMore: true, error: null }));
    fetcher
      .current(nextCursor)
      .then(({ data }) => {
        if (current !== generation.current) return;
        setState((previous) => ({ ...previous, items: [...previous.items, ...data.items], nextCursor: data.nextCursor, loadingMore: false }));
      })
      .catch((error: unknown) => {
        if (current === generation.current) setState((previous) => ({ ...previous, loadingMore: false, error }));
      })
      .finally(() => {
        busyMore.current = false;
      });
  }, [nextCursor, status]);

  /** Reloads the first page (after a failure, or to pick up changes). */
  const reload = useCallback(() => setReloads((count) => count + 1), []);

  /** Changes loaded items in place (after an update the server confirmed). */
  const update = useCallback((change: (items: T[]) => T[]) => {
    setState((previous) => ({ ...previous, items: change(previous.items) }));
  }, []);

  return { ...state, loadMore, reload, update };
}
