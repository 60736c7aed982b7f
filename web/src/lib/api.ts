// A small typed client for the Coffer HTTP API (/api/v1). Same origin, cookie session;
// the CSRF token is kept in memory only and sent on every cookie-authenticated write.

export const API_BASE = '/api/v1';

export type FileKind = 'image' | 'audio' | 'video';

/** Guesses a kind from a browser-reported MIME type, for files not yet uploaded. */
export function kindFromMime(type: string): FileKind | null {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return null;
}

/**
 * Marks requests as coming from the UI's scripts, the usual hint a server can use to leave
 * out a `WWW-Authenticate: Basic` challenge (which makes browsers open their own sign-in box).
 */
export const SCRIPT_REQUEST_HEADER = ['X-Requested-With', 'XMLHttpRequest'] as const;

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface VaultFile {
  id: string;
  name: string;
  kind: FileKind;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  urls: { content: string; download: string; thumbnail?: string };
}

export interface FilePage {
  items: VaultFile[];
  nextCursor: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const TOKEN_SCOPES = ['files:read', 'files:write', 'shares:write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface AccessToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
}

export interface Share {
  fileId: string;
  username: string;
  name: string;
  createdAt: string;
}

export interface PublicLink {
  id: string;
  /** Absolute: …/s/<token>. */
  url: string;
  createdAt: string;
  expiresAt: string | null;
  hasPassword: boolean;
  views: number;
}

/** A file someone else shared with the signed-in user (read-only for them). */
export interface SharedFile extends VaultFile {
  sharedAt: string;
  /** The owner's username. */
  owner: string;
}

/** What a public link shows a visitor: no id, no checksum, addresses under the link. */
export interface PublicFile {
  name: string;
  kind: FileKind;
  contentType: string;
  size: number;
  createdAt: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  urls: { content: string; download: string };
}

export interface AdminUser extends User {
  disabled: boolean;
  storageBytes: number;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: string | null;
  actorId: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: 'success' | 'failure';
  details: unknown;
}

export type AuditFilters = {
  user?: string;
  action?: string;
  since?: string;
  until?: string;
};

export interface Instance {
  id: string;
  host: string;
  pid: number;
  port: number;
  startedAt: string;
  lastHeartbeatAt: string;
  healthy: boolean;
}

export interface ErrorDetail {
  field: string;
  message: string;
  reason?: string;
}

/** Codes the UI produces itself when there is no usable server answer. */
export const NETWORK_ERROR = 'network_error';
export const UNEXPECTED_RESPONSE = 'unexpected_response';

/** The part of Headers we need; XMLHttpRequest responses are adapted to it. */
export interface HeaderReader {
  get(name: string): string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Seconds from a 429's Retry-After header, when present. */
    readonly retryAfterSeconds?: number,
    readonly headers?: HeaderReader,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called when a signed-in request answers 401 (the session expired or was revoked). */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/** For callers outside this module (uploads) that see a signed-in request answer 401. */
export function notifyUnauthenticated(): void {
  onUnauthenticated?.();
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Builds an ApiError from a status and a body that may or may not be Coffer's error JSON. */
export function toApiError(status: number, body: unknown, headers: HeaderReader): ApiError {
  const retryAfter = parseRetryAfter(headers.get('Retry-After'));
  if (body && typeof body === 'object' && 'code' in body && 'error' in body) {
    const { code, error, details } = body as { code: unknown; error: unknown; details?: unknown };
    return new ApiError(
      status,
      String(code),
      String(error),
      Array.isArray(details) ? (details as ErrorDetail[]) : [],
      retryAfter,
      headers,
    );
  }
  // A proxy in front of Coffer (nginx, for instance) may answer with an HTML page.
  return new ApiError(status, UNEXPECTED_RESPONSE, `HTTP ${status}`, [], retryAfter, headers);
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * A 401 here is part of the page's own flow (a public link asking for its password), not a
   * sign that the session ended: do not sign the person out.
   */
  public?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', [SCRIPT_REQUEST_HEADER[0]]: SCRIPT_REQUEST_HEADER[1] };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (WRITE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  Object.assign(headers, options.headers);

  let response: Response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, NETWORK_ERROR, 'The server could not be reached.');
  }

  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }

  if (!response.ok) {
    const error = toApiError(response.status, body, response.headers);
    // /auth/* answers 401 as part of its normal flow (wrong password, not signed in).
    if (response.status === 401 && !path.startsWith('/auth/') && !options.public) onUnauthenticated?.();
    throw error;
  }
  return { data: body as T, headers: response.headers };
}

export interface Session {
  user: User;
  csrfToken: string;
}

export const api = {
  me: (signal?: AbortSignal) => request<Session>('GET', '/auth/me', { signal }),
  login: (username: string, password: string) =>
    request<Session>('POST', '/auth/login', { body: { username, password } }),
  register: (input: { name: string; username: string; email: string; password: string }) =>
    request<{ user: User }>('POST', '/auth/register', { body: input }),
  logout: (options: { everywhere?: boolean } = {}) =>
    request<void>('POST', `/auth/logout${options.everywhere ? '?everywhere=true' : ''}`),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<Session>('POST', '/auth/password', { body: { currentPassword, newPassword } }),

  listFiles: (query: { limit?: number; cursor?: string | null; kind?: FileKind | null; q?: string }, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    if (query.limit) params.set('limit', String(query.limit));
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.kind) params.set('kind', query.kind);
    if (query.q) params.set('q', query.q);
    const search = params.toString();
    return request<FilePage>('GET', `/files${search ? `?${search}` : ''}`, { signal });
  },
  getFile: (id: string, signal?: AbortSignal) => request<VaultFile>('GET', `/files/${encodeURIComponent(id)}`, { signal }),
  renameFile: (id: string, name: string) =>
    request<VaultFile>('PATCH', `/files/${encodeURIComponent(id)}`, { body: { name } }),
  deleteFile: (id: string) => request<void>('DELETE', `/files/${encodeURIComponent(id)}`),

  listTokens: (signal?: AbortSignal) => request<{ items: AccessToken[] }>('GET', '/tokens', { signal }),
  createToken: (input: { name: string; scopes: TokenScope[]; expiresAt?: string }) =>
    request<{ token: AccessToken; secret: string }>('POST', '/tokens', { body: input }),
  revokeToken: (id: string) => request<void>('DELETE', `/tokens/${encodeURIComponent(id)}`),

  listShares: (fileId: string, signal?: AbortSignal) =>
    request<{ items: Share[] }>('GET', `/files/${encodeURIComponent(fileId)}/shares`, { signal }),
  share: (fileId: string, username: string) =>
    request<{ share: Share }>('POST', `/files/${encodeURIComponent(fileId)}/shares`, { body: { username } }),
  unshare: (fileId: string, username: string) =>
    request<void>('DELETE', `/files/${encodeURIComponent(fileId)}/shares/${encodeURIComponent(username)}`),
  sharedWithMe: (query: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<Page<SharedFile>>('GET', `/shared-with-me${queryString(query)}`, { signal }),

  listLinks: (fileId: string, signal?: AbortSignal) =>
    request<{ items: PublicLink[] }>('GET', `/files/${encodeURIComponent(fileId)}/links`, { signal }),
  createLink: (fileId: string, input: { expiresAt?: string; password?: string }) =>
    request<{ link: PublicLink }>('POST', `/files/${encodeURIComponent(fileId)}/links`, { body: input }),
  revokeLink: (id: string) => request<void>('DELETE', `/links/${encodeURIComponent(id)}`),
  openLink: (token: string, signal?: AbortSignal) =>
    request<{ file: PublicFile }>('GET', `/links/${encodeURIComponent(token)}`, { signal, public: true }),
  unlockLink: (token: string, password: string) =>
    request<void>('POST', `/links/${encodeURIComponent(token)}/unlock`, { body: { password }, public: true }),

  adminUsers: (query: { q?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<Page<AdminUser>>('GET', `/admin/users${queryString(query)}`, { signal }),
  adminUpdateUser: (id: string, changes: { disabled?: boolean; isAdmin?: boolean }) =>
    request<{ user: AdminUser }>('PATCH', `/admin/users/${encodeURIComponent(id)}`, { body: changes }),
  adminSignOutUser: (id: string) => request<void>('POST', `/admin/users/${encodeURIComponent(id)}/sign-out`),
  audit: (query: AuditFilters & { cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
    request<Page<AuditEvent>>('GET', `/admin/audit${queryString(query)}`, { signal }),
  instances: (signal?: AbortSignal) => request<{ items: Instance[] }>('GET', '/admin/instances', { signal }),
};

/** "?a=1&b=x" from the defined, non-empty values; "" when there are none. */
function queryString(query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
