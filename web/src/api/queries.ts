// Server state for the UI, through TanStack Query: one key per resource, infinite queries
// for the cursor-paged lists, and the invalidations each mutation needs.
import { keepPreviousData, useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { ApiError, api, type AuditFilters, type FileKind, type FileSort, type VaultFile } from './api';
import { liveEventsOpen, useLiveEventsOpen } from './liveEvents';

const FILE_PAGE = 60;
const ADMIN_PAGE = 50;
/** Running and failed jobs listed in the Jobs tab (the counts cover them all). */
const JOBS_SHOWN = 100;
const JOBS_POLL_MS = 3000;
/** Groups of unnamed faces shown on the People page, largest first. */
const CLUSTERS_SHOWN = 50;
/**
 * How often files still being processed are looked at again when no event will say so: the
 * live stream is not open, or the file is someone else's (the stream carries one's own).
 */
const FALLBACK_POLL_MS = 10_000;
/** Without a processing state, a thumbnail not made within this is not coming. */
const THUMBNAIL_WAIT_MS = 2 * 60_000;

export const keys = {
  files: ['files'] as const,
  fileList: (filters: FileFilters) => ['files', 'list', filters] as const,
  timeline: ['timeline'] as const,
  duplicates: ['files', 'duplicates'] as const,
  file: (id: string) => ['files', 'one', id] as const,
  shared: ['shared'] as const,
  shares: (fileId: string) => ['shares', fileId] as const,
  links: (fileId: string) => ['links', fileId] as const,
  tokens: ['tokens'] as const,
  adminUsers: (q: string) => ['admin', 'users', q] as const,
  audit: (filters: AuditFilters) => ['admin', 'audit', filters] as const,
  instances: ['admin', 'instances'] as const,
  adminStatus: ['admin', 'status'] as const,
  jobs: ['admin', 'jobs'] as const,
  notablePeople: ['admin', 'notable-people'] as const,
  settings: ['admin', 'settings'] as const,
  mail: ['admin', 'mail'] as const,
  mailOutbox: ['admin', 'mail', 'outbox'] as const,
  suppressions: (q: string) => ['admin', 'mail', 'suppressions', q] as const,
  publicLink: (token: string) => ['link', token] as const,
  /** Whether the public finder is on (GET /who). */
  who: ['who'] as const,
  faces: (fileId: string) => ['faces', fileId] as const,
  /** Everything about people: the list, clusters, each person and their files. */
  people: ['people'] as const,
  peopleList: (hidden: boolean) => ['people', 'list', hidden] as const,
  clusters: ['people', 'clusters'] as const,
  person: (id: string) => ['people', 'one', id] as const,
  personFiles: (id: string) => ['people', 'files', id] as const,
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

/**
 * A file whose background steps (thumbnail, poster, facts) are still queued or running: look
 * again until they are done or failed. Files without a processing state (older servers)
 * wait a while for an image or video thumbnail.
 */
function waitingForThumbnail(file: VaultFile): boolean {
  if (file.processing) return file.processing.status === 'pending';
  return file.kind !== 'audio' && !file.urls.thumbnail && Date.now() - Date.parse(file.createdAt) < THUMBNAIL_WAIT_MS;
}

/** One's own files: the live stream says when a step ends; a slow look only without it. */
const pollOwnWithoutStream = (files: VaultFile[]) => (!liveEventsOpen() && files.some(waitingForThumbnail) ? FALLBACK_POLL_MS : false);
/** Files shared with one: their steps are not on one's stream. */
const pollShared = (files: VaultFile[]) => (files.some(waitingForThumbnail) ? FALLBACK_POLL_MS : false);

export interface FileFilters {
  kind: FileKind | null;
  q: string;
  sort: FileSort;
  order: 'asc' | 'desc';
  /** ISO dates bounding the date taken (the month scrubber's jump); '' for none. */
  takenFrom: string;
  takenTo: string;
}

export function useFileList(filters: FileFilters) {
  // Re-rendered when the stream opens or closes, so the fallback interval is worked out again.
  useLiveEventsOpen();
  return usePaged(
    keys.fileList(filters),
    async (cursor, signal) => (await api.listFiles({ limit: FILE_PAGE, cursor, ...filters }, signal)).data,
    pollOwnWithoutStream,
  );
}

/** Months with files and how many each (by date taken). */
export function useTimeline(kind: FileKind | null) {
  return useQuery({ queryKey: [...keys.timeline, kind], queryFn: async ({ signal }) => (await api.timeline(kind, signal)).data.buckets });
}

export function useDuplicates() {
  return usePaged(keys.duplicates, async (cursor, signal) => (await api.duplicates({ limit: ADMIN_PAGE, cursor }, signal)).data);
}

export function useSharedWithMe() {
  return usePaged(keys.shared, async (cursor, signal) => (await api.sharedWithMe({ limit: FILE_PAGE, cursor }, signal)).data, pollShared);
}

export function useAdminUsers(q: string) {
  return usePaged(keys.adminUsers(q), async (cursor, signal) => (await api.adminUsers({ q: q || undefined, cursor, limit: ADMIN_PAGE }, signal)).data);
}

export function useAudit(filters: AuditFilters) {
  return usePaged(keys.audit(filters), async (cursor, signal) => (await api.audit({ ...filters, cursor, limit: ADMIN_PAGE }, signal)).data);
}

/**
 * One file. While its steps run, the live stream updates it; it is read again slowly only
 * when no event will come (stream closed, or someone else's file, which one cannot write).
 */
export function useFile(id: string) {
  useLiveEventsOpen();
  return useQuery({
    queryKey: keys.file(id),
    queryFn: async ({ signal }) => (await api.getFile(id, signal)).data,
    refetchInterval: (query) => {
      const file = query.state.data;
      if (!file || !waitingForThumbnail(file)) return false;
      return !liveEventsOpen() || !file.permissions.write ? FALLBACK_POLL_MS : false;
    },
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

/** Free space of the blob store; checked once a minute while the admin page is open. */
export function useAdminStatus() {
  return useQuery({ queryKey: keys.adminStatus, queryFn: async ({ signal }) => (await api.adminStatus(signal)).data, refetchInterval: 60_000 });
}

/**
 * The background jobs: looked at again every few seconds while some are waiting or running
 * (each look is an audit event, so not while the queue is quiet).
 */
export function useJobs() {
  return useQuery({
    queryKey: keys.jobs,
    queryFn: async ({ signal }) => (await api.jobs(JOBS_SHOWN, signal)).data,
    refetchInterval: (query) => (query.state.data && query.state.data.waiting + query.state.data.running > 0 ? JOBS_POLL_MS : false),
  });
}

/** The people /who can name; a short curated list, so one unpaged read. */
export function useInstanceSettings() {
  return useQuery({ queryKey: keys.settings, queryFn: async ({ signal }) => (await api.settings(signal)).data });
}

export function useNotablePeople() {
  return useQuery({ queryKey: keys.notablePeople, queryFn: async ({ signal }) => (await api.notablePeople(signal)).data.items });
}

export function useMailOutbox() {
  return usePaged(keys.mailOutbox, async (cursor, signal) => (await api.mailOutbox({ cursor, limit: ADMIN_PAGE }, signal)).data);
}

export function useSuppressions(q: string) {
  return usePaged(keys.suppressions(q), async (cursor, signal) => (await api.mailSuppressions({ q: q || undefined, cursor, limit: ADMIN_PAGE }, signal)).data);
}

/** The faces found in one file (boxes, names, suggestions). */
export function useFileFaces(fileId: string, enabled: boolean) {
  return useQuery({ queryKey: keys.faces(fileId), queryFn: async ({ signal }) => (await api.fileFaces(fileId, signal)).data.items, enabled });
}

/** One's people by name; with `hidden` the hidden ones too. */
export function usePeople(hidden: boolean) {
  return useQuery({ queryKey: keys.peopleList(hidden), queryFn: async ({ signal }) => (await api.people(hidden, signal)).data.items, placeholderData: keepPreviousData });
}

/** Groups of unnamed faces that look alike, largest first. */
export function useFaceClusters() {
  return useQuery({ queryKey: keys.clusters, queryFn: async ({ signal }) => (await api.faceClusters(CLUSTERS_SHOWN, signal)).data.items });
}

export function usePerson(id: string) {
  return useQuery({
    queryKey: keys.person(id),
    queryFn: async ({ signal }) => (await api.person(id, signal)).data.person,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

/** The files a person was found in, newest upload first, paged like the library. */
export function usePersonFiles(id: string) {
  return usePaged(keys.personFiles(id), async (cursor, signal) => (await api.listFiles({ limit: FILE_PAGE, cursor, person: id }, signal)).data);
}

/**
 * After faces were named or people changed: every people query and every file's faces (a
 * name given to one face attaches or suggests it on others, in files not on screen).
 */
export function peopleChanged(queries: QueryClient): void {
  void queries.invalidateQueries({ queryKey: keys.people });
  void queries.invalidateQueries({ queryKey: ['faces'] });
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
  void queries.invalidateQueries({ queryKey: keys.duplicates });
  void queries.invalidateQueries({ queryKey: keys.timeline });
}
