import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../src/errors.js';
import { decodeCursor, encodeCursor } from '../../src/features/cursor.js';

describe('keyset cursors', () => {
  it('round-trip the sort values of a row, as URL-safe text', () => {
    const values = ['2026-03-01T10:00:00.000Z', 'f4b0c0de-0000-4000-8000-000000000000'];
    const cursor = encodeCursor(values);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 2)).toEqual(values);
    expect(decodeCursor(encodeCursor(['ünïcode, "quoted"']), 1)).toEqual(['ünïcode, "quoted"']);
  });

  it('refuses, with a 400 naming the cursor field, anything that is not its own', () => {
    const bad = [
      'not base64 at all!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      encodeCursor(['only one']),
      Buffer.from('[').toString('base64url'),
      '',
    ];
    for (const cursor of bad) {
      let thrown: unknown;
      try {
        decodeCursor(cursor, 2);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, cursor).toBeInstanceOf(InvalidRequest);
      expect((thrown as InvalidRequest).details).toEqual([{ field: 'cursor', message: 'Unknown cursor.' }]);
    }
  });
});
