// The Coffer HTTP API (/api/v1) as the UI uses it: every call goes through the generated
// client (client.ts), every type is taken from the generated schema (schema.d.ts).
import { call, client, type Body, type Schemas } from './client';

export { ApiError, NETWORK_ERROR, SCRIPT_REQUEST_HEADER, UNEXPECTED_RESPONSE, getCsrfToken, isAbort, notifyUnauthenticated, parseRetryAfter, setCsrfToken, setUnauthenticatedHandler, toApiError } from './client';
export type { ApiResponse, ErrorDetail, HeaderReader } from './client';

export const API_BASE = '/api/v1';

export type User = Schemas['User'];
export type VaultFile = Schemas['File'];
export type FileKind = VaultFile['kind'];
export type AccessToken = Schemas['Token'];
export type TokenScope = AccessToken['scopes'][number];
export type Session = Body<'/api/v1/auth/me', 'get'>;
export type FilePage = Body<'/api/v1/files', 'get'>;
export type FileSort = 'createdAt' | 'takenAt' | 'name' | 'size';
export type TimelineBucket = Body<'/api/v1/timeline', 'get'>['buckets'][number];
export type DuplicateGroup = Body<'/api/v1/files/duplicates', 'get'>['items'][number];
/** A file someone else shared with the signed-in user (read-only for them). */
export type SharedFile = Body<'/api/v1/shared-with-me', 'get'>['items'][number];
/** What a public link shows a visitor: no id, addresses under the link. */
export type PublicFile = Body<'/api/v1/links/{token}', 'get'>['file'];
export type Share = Body<'/api/v1/files/{id}/shares', 'get'>['items'][number];
export type PublicLink = Body<'/api/v1/files/{id}/links', 'get'>['items'][number];
export type AdminUser = Body<'/api/v1/admin/users', 'get'>['items'][number];
export type AuditEvent = Body<'/api/v1/admin/audit', 'get'>['items'][number];
export type Instance = Body<'/api/v1/admin/instances', 'get'>['items'][number];
export type AdminStatus = Body<'/api/v1/admin/status', 'get'>;
export type JobsOverview = Body<'/api/v1/admin/jobs', 'get'>;
export type Job = JobsOverview['items'][number];
export type OutboxItem = Body<'/api/v1/admin/mail/outbox', 'get'>['items'][number];
export type Suppression = Body<'/api/v1/admin/mail/suppressions', 'get'>['items'][number];
export type NotablePerson = Body<'/api/v1/admin/notable-people', 'get'>['items'][number];
export type InstanceSettings = Body<'/api/v1/admin/settings', 'get'>;
export type NewNotablePerson = { name: string; description?: string; url?: string };
/** A face found in a file; `box` is in fractions (0–1) of the displayed, orientation-corrected image. */
export type Face = Body<'/api/v1/files/{id}/faces', 'get'>['items'][number];
export type FaceBox = Face['box'];
export type Person = Body<'/api/v1/people/{id}', 'get'>['person'];
export type FaceCluster = Body<'/api/v1/people/clusters', 'get'>['items'][number];
export type AuditFilters = { user?: string; action?: string; since?: string; until?: string };

export const TOKEN_SCOPES: readonly TokenScope[] = ['files:read', 'files:write', 'shares:write', 'admin'];

/** Guesses a kind from a browser-reported MIME type, for files not yet uploaded. */
export function kindFromMime(type: string): FileKind | null {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return null;
}

/** Drops empty values, which the server would refuse or read as a filter. */
function defined<T extends Record<string, unknown>>(query: T): T {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== null && value !== '')) as T;
}

const id = (value: string) => ({ path: { id: value } });

export const api = {
  me: (signal?: AbortSignal) => call(client.GET('/api/v1/auth/me', { signal })),
  login: (username: string, password: string) => call(client.POST('/api/v1/auth/login', { body: { username, password } })),
  register: (body: { name: string; username: string; email: string; password: string }) => call(client.POST('/api/v1/auth/register', { body })),
  logout: (options: { everywhere?: boolean } = {}) =>
    call(client.POST('/api/v1/auth/logout', { params: { query: options.everywhere ? { everywhere: 'true' } : {} } })),
  changePassword: (currentPassword: string, newPassword: string) => call(client.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } })),
  verifyEmail: (token: string) => call(client.POST('/api/v1/auth/email/verify', { body: { token } })),
  resendVerification: () => call(client.POST('/api/v1/auth/email/resend')),
  forgotPassword: (email: string) => call(client.POST('/api/v1/auth/password/forgot', { body: { email } })),
  resetPassword: (token: string, password: string) => call(client.POST('/api/v1/auth/password/reset', { body: { token, password } })),

  listFiles: (
    query: { limit: number; cursor?: string | null; kind?: FileKind | null; q?: string; sort?: FileSort; order?: 'asc' | 'desc'; takenFrom?: string; takenTo?: string; person?: string },
    signal?: AbortSignal,
  ) => call(client.GET('/api/v1/files', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined, kind: query.kind ?? undefined }) }, signal })),
  timeline: (kind: FileKind | null, signal?: AbortSignal) => call(client.GET('/api/v1/timeline', { params: { query: defined({ kind: kind ?? undefined }) }, signal })),
  duplicates: (query: { limit: number; cursor?: string | null }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/files/duplicates', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),
  getFile: (fileId: string, signal?: AbortSignal) => call(client.GET('/api/v1/files/{id}', { params: id(fileId), signal })),
  renameFile: (fileId: string, name: string) => call(client.PATCH('/api/v1/files/{id}', { params: id(fileId), body: { name } })),
  deleteFile: (fileId: string) => call(client.DELETE('/api/v1/files/{id}', { params: id(fileId) })),
  /** All or none: one id the caller may not delete refuses the lot. */
  deleteFiles: (ids: string[]) => call(client.POST('/api/v1/files/bulk-delete', { body: { ids } })),

  fileFaces: (fileId: string, signal?: AbortSignal) => call(client.GET('/api/v1/files/{id}/faces', { params: id(fileId), signal })),
  people: (hidden: boolean, signal?: AbortSignal) => call(client.GET('/api/v1/people', { params: { query: hidden ? { hidden: true } : {} }, signal })),
  faceClusters: (limit: number, signal?: AbortSignal) => call(client.GET('/api/v1/people/clusters', { params: { query: { limit } }, signal })),
  person: (personId: string, signal?: AbortSignal) => call(client.GET('/api/v1/people/{id}', { params: id(personId), signal })),
  createPerson: (body: { name: string; link?: string; faceIds: string[] }) => call(client.POST('/api/v1/people', { body })),
  updatePerson: (personId: string, body: { name?: string; link?: string | null; hidden?: boolean }) => call(client.PATCH('/api/v1/people/{id}', { params: id(personId), body })),
  deletePerson: (personId: string) => call(client.DELETE('/api/v1/people/{id}', { params: id(personId) })),
  /** Merges `others` into `personId`: their faces become its, they are deleted. */
  mergePeople: (personId: string, others: string[]) => call(client.POST('/api/v1/people/{id}/merge', { params: id(personId), body: { ids: others } })),
  /** {personId} confirms a suggestion or picks a person; {name} names (a new or existing person by name). */
  nameFace: (faceId: string, body: { personId: string } | { name: string }) => call(client.PUT('/api/v1/faces/{id}/person', { params: id(faceId), body })),
  rejectSuggestion: (faceId: string) => call(client.DELETE('/api/v1/faces/{id}/suggestion', { params: id(faceId) })),

  listTokens: (signal?: AbortSignal) => call(client.GET('/api/v1/tokens', { signal })),
  createToken: (body: { name: string; scopes: TokenScope[]; expiresAt?: string }) => call(client.POST('/api/v1/tokens', { body })),
  revokeToken: (tokenId: string) => call(client.DELETE('/api/v1/tokens/{id}', { params: id(tokenId) })),

  listShares: (fileId: string, signal?: AbortSignal) => call(client.GET('/api/v1/files/{id}/shares', { params: id(fileId), signal })),
  share: (fileId: string, username: string) => call(client.POST('/api/v1/files/{id}/shares', { params: id(fileId), body: { username } })),
  unshare: (fileId: string, username: string) => call(client.DELETE('/api/v1/files/{id}/shares/{username}', { params: { path: { id: fileId, username } } })),
  sharedWithMe: (query: { limit: number; cursor?: string | null }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/shared-with-me', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),

  listLinks: (fileId: string, signal?: AbortSignal) => call(client.GET('/api/v1/files/{id}/links', { params: id(fileId), signal })),
  createLink: (fileId: string, body: { expiresAt?: string; password?: string }) => call(client.POST('/api/v1/files/{id}/links', { params: id(fileId), body })),
  revokeLink: (linkId: string) => call(client.DELETE('/api/v1/links/{id}', { params: id(linkId) })),
  openLink: (token: string, signal?: AbortSignal) => call(client.GET('/api/v1/links/{token}', { params: { path: { token } }, signal })),
  unlockLink: (token: string, password: string) => call(client.POST('/api/v1/links/{token}/unlock', { params: { path: { token } }, body: { password } })),

  adminUsers: (query: { q?: string; cursor?: string | null; limit: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/admin/users', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),
  adminUpdateUser: (userId: string, body: { disabled?: boolean; isAdmin?: boolean }) => call(client.PATCH('/api/v1/admin/users/{id}', { params: id(userId), body })),
  adminSignOutUser: (userId: string) => call(client.POST('/api/v1/admin/users/{id}/sign-out', { params: id(userId) })),
  audit: (query: AuditFilters & { cursor?: string | null; limit: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/admin/audit', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),
  instances: (signal?: AbortSignal) => call(client.GET('/api/v1/admin/instances', { signal })),
  adminStatus: (signal?: AbortSignal) => call(client.GET('/api/v1/admin/status', { signal })),
  jobs: (limit: number, signal?: AbortSignal) => call(client.GET('/api/v1/admin/jobs', { params: { query: { limit } }, signal })),
  /** Without ids: every failed job. */
  retryJobs: (ids?: string[]) => call(client.POST('/api/v1/admin/jobs/retry', { body: ids ? { ids } : {} })),
  mailOutbox: (query: { cursor?: string | null; limit: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/admin/mail/outbox', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),
  mailSuppressions: (query: { q?: string; cursor?: string | null; limit: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/admin/mail/suppressions', { params: { query: defined({ ...query, cursor: query.cursor ?? undefined }) }, signal })),
  settings: (signal?: AbortSignal) => call(client.GET('/api/v1/admin/settings', { signal })),
  updateSettings: (body: { whoEnabled?: boolean }) => call(client.PATCH('/api/v1/admin/settings', { body })),
  notablePeople: (signal?: AbortSignal) => call(client.GET('/api/v1/admin/notable-people', { signal })),
  createNotablePerson: (body: NewNotablePerson) => call(client.POST('/api/v1/admin/notable-people', { body })),
  /** One multipart part `photo` per file; the route's schema has no body (multipart is read by hand), hence the cast. */
  addNotablePhotos: (personId: string, photos: readonly File[]) => {
    const form = new FormData();
    for (const photo of photos) form.append('photo', photo);
    return call(client.POST('/api/v1/admin/notable-people/{id}/photos', { params: id(personId), body: form as never }));
  },
  deleteNotablePerson: (personId: string) => call(client.DELETE('/api/v1/admin/notable-people/{id}', { params: id(personId) })),
  liftSuppression: (email: string) => call(client.DELETE('/api/v1/admin/mail/suppressions/{email}', { params: { path: { email } } })),
};
