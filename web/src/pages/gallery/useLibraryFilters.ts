// The library's filters, all in the address (?q=…&kind=…&sort=…&order=…&month=…), so that a
// reload, a bookmark or Back keeps them.
import type { FileKind, FileSort } from '../../api/api';
import type { FileFilters } from '../../api/queries';
import { useSearchParams } from 'react-router';
import { useSetSearchParams } from '../../lib/router';

const KINDS: readonly string[] = ['image', 'audio', 'video'];
export const SORTS: readonly FileSort[] = ['takenAt', 'createdAt', 'name', 'size'];
/** Like a photo timeline: newest taken first unless the address says otherwise. */
export const DEFAULT_SORT: FileSort = 'takenAt';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The first instant (UTC, as the timeline's buckets are) of the month after `month`. */
export function nextMonthStart(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, monthNumber, 1)).toISOString().slice(0, 10);
}

export function useLibraryFilters() {
  const [params] = useSearchParams();
  const set = useSetSearchParams();
  const kindParam = params.get('kind') ?? '';
  const sortParam = params.get('sort') ?? '';
  const orderParam = params.get('order') ?? '';
  const monthParam = params.get('month') ?? '';
  const kind = KINDS.includes(kindParam) ? (kindParam as FileKind) : null;
  const sort = (SORTS as readonly string[]).includes(sortParam) ? (sortParam as FileSort) : DEFAULT_SORT;
  const order: 'asc' | 'desc' = orderParam === 'asc' ? 'asc' : 'desc';
  // A jump to a month only means something on the timeline by date taken.
  const month = sort === 'takenAt' && MONTH.test(monthParam) ? monthParam : '';
  // Newest first: start at the end of the month; oldest first: at its beginning.
  const takenTo = month && order === 'desc' ? nextMonthStart(month) : '';
  const takenFrom = month && order === 'asc' ? `${month}-01` : '';
  return {
    kind,
    sort,
    order,
    month,
    // A new kind has other months, a new order another start: the jump is dropped.
    setKind: (value: FileKind | null) => set({ kind: value ?? '', month: '' }),
    setSort: (value: FileSort) => set({ sort: value === DEFAULT_SORT ? '' : value, month: '' }),
    setOrder: (value: 'asc' | 'desc') => set({ order: value === 'desc' ? '' : value, month: '' }),
    setMonth: (value: string) => set({ month: value }),
    query: (q: string): FileFilters => ({ kind, q, sort, order, takenFrom, takenTo }),
  };
}
