// Routing is react-router's; this module holds what the pages share on top of it: the
// admin tabs, the history state the viewer reads, and filters kept in the address.
import { useCallback } from 'react';
import { useLocation, useSearchParams } from 'react-router';

export { Link, Navigate, useNavigate, useParams } from 'react-router';

export type AdminTab = 'users' | 'audit' | 'instances' | 'jobs' | 'people' | 'mail';
export const ADMIN_TABS: readonly AdminTab[] = ['users', 'audit', 'instances', 'jobs', 'people', 'mail'];

/** State we keep in history entries; see ViewerPage for why `fromGallery` matters. */
export interface HistoryState {
  fromGallery?: boolean;
}

export function useHistoryState(): HistoryState {
  return (useLocation().state as HistoryState | null) ?? {};
}

/**
 * Filters and searches live in the address (?q=…&kind=…), so that a reload, a bookmark or
 * Back keeps them. Changes replace the history entry: typing is not a trail to walk back.
 */
export function useSearchParam(name: string): [string, (value: string) => void] {
  const [params] = useSearchParams();
  const setMany = useSetSearchParams();
  const set = useCallback((next: string) => setMany({ [name]: next }), [name, setMany]);
  return [params.get(name) ?? '', set];
}

/** Sets several address parameters in one history change ('' removes one). */
export function useSetSearchParams(): (changes: Record<string, string>) => void {
  const [, setParams] = useSearchParams();
  return useCallback(
    (changes: Record<string, string>) =>
      setParams(
        (previous) => {
          const updated = new URLSearchParams(previous);
          for (const [name, next] of Object.entries(changes)) {
            if (next) updated.set(name, next);
            else updated.delete(name);
          }
          return updated;
        },
        { replace: true, preventScrollReset: true },
      ),
    [setParams],
  );
}
