import { describe, expect, it } from 'vitest';
import {
  AppError,
  Conflict,
  Duplicate,
  ERROR_CODES,
  Forbidden,
  InsufficientStorage,
  InvalidRequest,
  NotFound,
  RangeNotSatisfiable,
  RateLimited,
  RequestTimeout,
  TooLarge,
  Unauthenticated,
  Unavailable,
  UnsupportedType,
} from '../../src/errors.js';
import { InvalidToken } from '../../src/features/mail/account-mail.service.js';
import { InvalidSignature } from '../../src/features/mail/feedback.service.js';
import { EmailUnverified } from '../../src/features/mail/verified-email.js';

describe('the error catalogue', () => {
  it("keeps API.md's status and code pairs", () => {
    // The table in API.md "Errors": clients branch on these codes.
    const contract: Array<[AppError, number, string]> = [
      [new InvalidRequest('x'), 400, 'invalid_request'],
      [new Unauthenticated(), 401, 'unauthenticated'],
      [new Forbidden(), 403, 'forbidden'],
      [new NotFound('file'), 404, 'not_found'],
      [new Conflict('x', []), 409, 'conflict'],
      [new Duplicate('x', []), 409, 'duplicate'],
      [new TooLarge(1024), 413, 'too_large'],
      [new UnsupportedType('a.txt'), 415, 'unsupported_type'],
      [new RangeNotSatisfiable(10), 416, 'range_not_satisfiable'],
      [new RateLimited(5), 429, 'rate_limited'],
      [new Unavailable('database'), 503, 'unavailable'],
      [new RequestTimeout('x'), 408, 'request_timeout'],
      [new InsufficientStorage(), 507, 'insufficient_storage'],
      [new InvalidToken(), 400, 'invalid_token'],
      [new InvalidSignature('bad'), 403, 'invalid_signature'],
      [new EmailUnverified(), 403, 'email_unverified'],
    ];
    for (const [error, status, code] of contract) expect([error.name, error.status, error.code]).toEqual([error.name, status, code]);
    // Every code thrown is one of the catalogue's, and the catalogue has no two alike.
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const [error] of contract) expect(ERROR_CODES).toContain(error.code);
  });

  it('carries the headers a status needs', () => {
    expect(new RateLimited(7).headers).toEqual({ 'Retry-After': '7' });
    expect(new RangeNotSatisfiable(123).headers).toEqual({ 'Content-Range': 'bytes */123' });
    expect(new TooLarge(2 * 1024 ** 3).message).toContain('2 GiB');
  });
});
