// Server state for the UI, through TanStack Query: one key per resource, infinite queries
// for the cursor-paged lists, and the invalidations each mutation needs.
import { keepPreviousData, useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { ApiError, api, type AuditFilters, type FileKind, type VaultFile } from '../lib/api';
import { call, client } from './client';

const FILE_PAGE = 60;
const ADMIN_PAGE = 50;
/** How often files still waiting for their thumbnail are looked at again. */
const THUMBNAIL_POLL_MS = 2000;
/** Thumbnails are made within seconds; after this a missing one is not coming (audio, a failed job). */
const THUMBNAIL_WAIT_MS = 2 * 60_000;

export const keys = {
  files: ['files'] as const,
  fileList: (filters: { kind: FileKind | null; q: string }) => ['files', 'list', filters] as const,
  file: (id: string) => ['files', 'one', id] as const,
  shared: ['shared'] as const,
  shares: (fileId: string) => ['shares', fileId] as const,
  links: (fileId: string) => ['links', fileId] as const,
  tokens: ['tokens'] as const,
  adminUsers: (q: string) => ['admin', 'users', q] as const,
  audit: (filters: AuditFilters) => ['admin', 'audit', filters] as const,
  instances: ['admin', 'instances'] as const,
  adminStatus: ['admin', 'status'] as const,
  publicLink: (token: string) => ['link', token] as const,
};

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What the paged grids and tables show: the items so far and how the next page is doing. */
export interface PagedList<T> {
  items: T[];
  nextCursor: string | null;
  /** 'loading' keeps the previous items (shown dimmed) while a new query runs. */
  status: 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  /** The error of the first page (status 'error') or of the last "load more". */
  error: unknown;
  loadMore(): void;
  reload(): void;
}

function usePaged<T>(queryKey: readonly unknown[], fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>, refetchInterval?: (items: T[]) => number | false): PagedList<T> {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) => fetchPage(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // A new search keeps the old results on screen (dimmed) until the new ones arrive.
    placeholderData: keepPreviousData,
    refetchInterval: refetchInterval ? (q) => refetchInterval(flatten(q.state.data)) : undefined,
  });
  const items = flatten(query.data);
  const last = query.data?.pages.at(-1);
  const firstPageFailed = query.isError && !query.data;
  return {
    items,
    nextCursor: last?.nextCursor ?? null,
    status: firstPageFailed ? 'error' : query.isPending || query.isPlaceholderData ? 'loading' : 'ready',
    loadingMore: query.isFetchingNextPage,
    error: firstPageFailed ? query.error : query.isFetchNextPageError ? query.error : null,
    loadMore: () => {
      if (query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
    },
    reload: () => void query.refetch(),
  };
}

function flatten<T>(data: InfiniteData<Page<T>> | undefined): T[] {
  if (!data) return [];
  // A file moved between pages while they were fetched would show twice.
  const seen = new Set<unknown>();
  const items: T[] = [];
  for (const page of data.pages) {
    for (const item of page.items) {
      const id = (item as { id?: unknown }).id ?? item;
      if (seen.has(id)) continue;
      seen.add(id);
      items.push(item);
    }
  }
  return items;
}

/** Images and videos get a thumbnail shortly after upload; until then, look again. */
function waitingForThumbnail(file: VaultFile): boolean {
  return file.kind !== 'audio' && !file.urls.thumbnail && Date.now() - Date.parse(file.createdAt) < THUMBNAIL_WAIT_MS;
}

const pollThumbnails = (files: VaultFile[]) => (files.some(waitingForThumbnail) ? THUMBNAIL_POLL_MS : false);

export function useFileList(filters: { kind: FileKind | null; q: string }) {
  return usePaged(keys.fileList(filters), async (cursor, signal) => (await api.listFiles({ limit: FILE_PAGE, cursor, ...filters }, signal)).data, pollThumbnails);
}

export function useSharedWithMe() {
  return usePaged(keys.shared, async (cursor, signal) => (await api.sharedWithMe({ limit: FILE_PAGE, cursor }, signal)).data, pollThumbnails);
}

export function useAdminUsers(q: string) {
  return usePaged(keys.adminUsers(q), async (cursor, signal) => (await api.adminUsers({ q: q || undefined, cursor, limit: ADMIN_PAGE }, signal)).data);
}

export function useAudit(filters: AuditFilters) {
  return usePaged(keys.audit(filters), async (cursor, signal) => (await api.audit({ ...filters, cursor, limit: ADMIN_PAGE }, signal)).data);
}

/** One file, re-read while its thumbnail is being made. */
export function useFile(id: string) {
  return useQuery({
    queryKey: keys.file(id),
    queryFn: async ({ signal }) => (await api.getFile(id, signal)).data,
    refetchInterval: (query) => (query.state.data && waitingForThumbnail(query.state.data) ? THUMBNAIL_POLL_MS : false),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

export function useShares(fileId: string) {
  return useQuery({ queryKey: keys.shares(fileId), queryFn: async ({ signal }) => (await api.listShares(fileId, signal)).data.items });
}

export function useLinks(fileId: string) {
  return useQuery({ queryKey: keys.links(fileId), queryFn: async ({ signal }) => (await api.listLinks(fileId, signal)).data.items });
}

/** A public link's file. 401 (password), 404 (gone) and 429 are answers, not worth a retry. */
export function usePublicLink(token: string) {
  return useQuery({
    queryKey: keys.publicLink(token),
    queryFn: async ({ signal }) => (await api.openLink(token, signal)).data.file,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

export function useTokens() {
  return useQuery({ queryKey: keys.tokens, queryFn: async ({ signal }) => (await api.listTokens(signal)).data.items });
}

/** Heartbeats move on their own: look again every few seconds while the tab is open. */
export function useInstances() {
  return useQuery({
    queryKey: keys.instances,
    queryFn: async ({ signal }) => (await api.instances(signal)).data.items,
    refetchInterval: 10_000,
    // An older server has no registry at all (404): that is an answer, not worth retrying.
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
}

/**
 * GET /admin/status → storage free space. Typed here until the endpoint is in the generated
 * schema (another branch adds it; regenerate after the merge and use its type). A server
 * without the endpoint answers 404: no data, no error shown.
 */
export interface AdminStatus {
  storage: { freeBytes: number | null; totalBytes: number | null; low: boolean };
}

export function useAdminStatus() {
  return useQuery({
    queryKey: keys.adminStatus,
    queryFn: async ({ signal }): Promise<AdminStatus | null> => {
      const untyped = client as unknown as { GET(path: string, init: { signal: AbortSignal }): Promise<{ data?: AdminStatus; error?: unknown; response: Response }> };
      try {
        return (await call(untyped.GET('/api/v1/admin/status', { signal }))).data;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    refetchInterval: 60_000,
  });
}

/** After a file changed (renamed, thumbnail made): every list and the file itself. */
export function putFile(queries: QueryClient, file: VaultFile): void {
  queries.setQueryData(keys.file(file.id), file);
  void queries.invalidateQueries({ queryKey: keys.files });
  void queries.invalidateQueries({ queryKey: keys.shared });
}

/** After files were added or removed: lists are read again (the viewer's file is kept). */
export function filesChanged(queries: QueryClient): void {
  void queries.invalidateQueries({ queryKey: [...keys.files, 'list'] });
}
