// The mail endpoints (API.md "Mail"), self-contained until the generated client takes them.
import { API_BASE, ApiError, getCsrfToken, NETWORK_ERROR, SCRIPT_REQUEST_HEADER, toApiError } from '../../lib/api';

async function send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json', [SCRIPT_REQUEST_HEADER[0]]: SCRIPT_REQUEST_HEADER[1] };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const csrf = getCsrfToken();
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  try {
    response = await fetch(API_BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, NETWORK_ERROR, 'The server could not be reached.');
  }
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw toApiError(response.status, json, response.headers);
  return json;
}

const post = (path: string, body?: object) => send('POST', path, body);

export interface OutboxItem {
  id: string;
  to: string;
  subject: string;
  status: 'queued' | 'sent' | 'failed' | 'suppressed';
  attempts: number;
  at: string;
  lastError: string | null;
}

export interface Suppression {
  email: string;
  reason: 'bounce' | 'complaint';
  since: string;
  events: Array<{ type: string; bounceType: string | null; source: string; at: string }>;
}

export const mailApi = {
  outbox: (cursor?: string) => send('GET', `/admin/mail/outbox${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`) as Promise<{ items: OutboxItem[]; nextCursor: string | null }>,
  suppressions: (q: string) => send('GET', `/admin/mail/suppressions?q=${encodeURIComponent(q)}`) as Promise<{ items: Suppression[]; nextCursor: string | null }>,
  lift: (email: string) => send('DELETE', `/admin/mail/suppressions/${encodeURIComponent(email)}`),
  verifyEmail: (token: string) => post('/auth/email/verify', { token }),
  resendVerification: () => post('/auth/email/resend'),
  forgotPassword: (email: string) => post('/auth/password/forgot', { email }),
  resetPassword: (token: string, password: string) => post('/auth/password/reset', { token, password }),
};

export function tokenFromLocation(): string {
  return new URLSearchParams(window.location.search).get('token') ?? '';
}
