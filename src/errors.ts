/**
 * The error catalogue. Services throw these; the error handler (plugins/errors.ts) turns
 * them into `{ error, code, details? }` with the status below. Anything else is a 500 whose
 * text never reaches the client.
 */

/**
 * Every `code` an error body may carry: API.md's table, and the few a feature adds (mail
 * tokens, SNS signatures, unverified addresses). Stable: clients branch on them.
 */
export const ERROR_CODES = [
  'invalid_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'conflict',
  'duplicate',
  'too_large',
  'unsupported_type',
  'range_not_satisfiable',
  'rate_limited',
  'internal_error',
  'unavailable',
  'insufficient_storage',
  'invalid_token',
  'invalid_signature',
  'email_unverified',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error response (API.md "Errors"). */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  details?: ErrorDetail[];
}

export interface ErrorDetail {
  field: string;
  message: string;
  reason?: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRequest extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(400, 'invalid_request', message, details);
  }
}

/** One message for every cause, so a 401 never tells which part of the credentials was wrong. */
export class Unauthenticated extends AppError {
  constructor() {
    super(401, 'unauthenticated', 'Authentication failed: the credentials are missing, wrong or expired.');
  }
}

export class Forbidden extends AppError {
  constructor(message = 'You are not allowed to do this.', details?: ErrorDetail[]) {
    super(403, 'forbidden', message, details);
  }
}

export class NotFound extends AppError {
  constructor(what = 'resource', details?: ErrorDetail[]) {
    super(404, 'not_found', `No such ${what}.`, details);
  }
}

export class Conflict extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super(409, 'conflict', message, details);
  }
}

/** DUPLICATES=reject: the owner already has these bytes; `details` name the file(s) they have. */
export class Duplicate extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super(409, 'duplicate', message, details);
  }
}

export class TooLarge extends AppError {
  constructor(limitBytes: number) {
    super(413, 'too_large', `The file is larger than the ${formatBytes(limitBytes)} limit; nothing was stored.`);
  }
}

/** A request body that did not arrive in time: sent too slowly, or stalled mid-way. */
export class RequestTimeout extends AppError {
  constructor(message: string) {
    super(408, 'request_timeout', message);
  }
}

export class UnsupportedType extends AppError {
  constructor(name: string) {
    super(415, 'unsupported_type', `"${name}" is not an image, audio or video file Coffer accepts; nothing was stored.`);
  }
}

export class RangeNotSatisfiable extends AppError {
  constructor(size: number) {
    super(416, 'range_not_satisfiable', 'The requested range is outside the file.', undefined, { 'Content-Range': `bytes */${size}` });
  }
}

export class RateLimited extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many attempts; try again in ${retryAfterSeconds} seconds.`, undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/** The blob store is full (a local disk, a quota): a fact about the server, not the request. */
export class InsufficientStorage extends AppError {
  constructor() {
    super(507, 'insufficient_storage', 'There is no room left to store this file; nothing was stored. Delete files or ask the administrator for more space.');
  }
}

export class Unavailable extends AppError {
  constructor(service: string) {
    super(503, 'unavailable', `The ${service} is unavailable; try again shortly.`, undefined, { 'Retry-After': '5' });
  }
}

/** Work the answer depends on has not been done yet (a background step); ask again shortly. */
export class NotReady extends AppError {
  constructor(message: string) {
    super(503, 'unavailable', message, undefined, { 'Retry-After': '5' });
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
