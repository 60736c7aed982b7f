import { InvalidRequest } from '../errors.js';

/**
 * Keyset-paging cursors: the sort values of a page's last row, opaque to clients
 * (base64url JSON). A cursor that does not decode to `size` strings is a 400.
 */
export function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, size: number): string[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === size && values.every((v) => typeof v === 'string')) return values as string[];
  } catch {
    // the 400 below
  }
  throw new InvalidRequest('The cursor is not valid; use the nextCursor of a previous page.', [{ field: 'cursor', message: 'Unknown cursor.' }]);
}
