// The one HTTP client of the UI: openapi-fetch typed by schema.d.ts, which `npm run
// gen:client` generates from the server's OpenAPI document. Same origin, cookie session;
// the CSRF token is kept in memory only and sent on every cookie-authenticated write.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/** Marks requests as the UI's scripts, so the server leaves out `WWW-Authenticate: Basic`. */
export const SCRIPT_REQUEST_HEADER = ['X-Requested-With', 'XMLHttpRequest'] as const;

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

/** For callers outside the client (uploads) that see a signed-in request answer 401. */
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
    const { code, error, details } = body as components['schemas']['Error'];
    return new ApiError(status, String(code), String(error), Array.isArray(details) ? details : [], retryAfter, headers);
  }
  // A proxy in front of Coffer (nginx, for instance) may answer with an HTML page.
  return new ApiError(status, UNEXPECTED_RESPONSE, `HTTP ${status}`, [], retryAfter, headers);
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Paths where a 401 is part of the page's own flow, not a sign that the session ended:
 * /auth/* (wrong password, not signed in) and public links asking for their password.
 */
function ownFlow401(url: string): boolean {
  const path = new URL(url, window.location.origin).pathname;
  return path.startsWith('/api/v1/auth/') || path.startsWith('/api/v1/links/');
}

const session: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept', 'application/json');
    request.headers.set(...SCRIPT_REQUEST_HEADER);
    if (WRITE_METHODS.has(request.method) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !ownFlow401(request.url)) onUnauthenticated?.();
    return response;
  },
};

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use(session);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

/**
 * Awaits a generated-client call: its data, or an ApiError (status 0 when the server could
 * not be reached). Aborts are passed through for TanStack Query to drop.
 */
export async function call<T>(pending: Promise<Answer<T>>): Promise<ApiResponse<T>> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (cause) {
    if (isAbort(cause)) throw cause;
    throw new ApiError(0, NETWORK_ERROR, 'The server could not be reached.');
  }
  const { data, error, response } = answer;
  if (!response.ok) throw toApiError(response.status, error, response.headers);
  return { data: data as T, headers: response.headers };
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export type Schemas = components['schemas'];
/** The JSON body of a successful answer of `method path`. */
export type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;
