import { describe, expect, it } from 'vitest';
import { RangeNotSatisfiable } from '../../src/errors.js';
import { isNotModified, requestedRange } from '../../src/features/files/content.js';

const ETAG = '"abc123"';
const MODIFIED = new Date('2026-03-01T10:00:00.000Z');
const SIZE = 1000;
const range = (headers: Record<string, string>) => requestedRange(headers, SIZE, ETAG, MODIFIED);

describe('conditional requests', () => {
  it('answers 304 for a matching entity tag, weak or in a list, or *', () => {
    expect(isNotModified({ 'if-none-match': ETAG }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-none-match': `W/${ETAG}` }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-none-match': `"other", ${ETAG}` }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-none-match': ' * ' }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"other"' }, ETAG, MODIFIED)).toBe(false);
  });

  it('lets If-None-Match decide over If-Modified-Since (RFC 9110 13.2.2)', () => {
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': MODIFIED.toUTCString() }, ETAG, MODIFIED)).toBe(false);
  });

  it('compares If-Modified-Since to the second', () => {
    expect(isNotModified({ 'if-modified-since': MODIFIED.toUTCString() }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-modified-since': new Date(MODIFIED.getTime() + 1000).toUTCString() }, ETAG, MODIFIED)).toBe(true);
    expect(isNotModified({ 'if-modified-since': new Date(MODIFIED.getTime() - 1000).toUTCString() }, ETAG, MODIFIED)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'yesterday' }, ETAG, MODIFIED)).toBe(false);
    expect(isNotModified({}, ETAG, MODIFIED)).toBe(false);
  });
});

describe('byte ranges', () => {
  it('sends the whole file without a Range header', () => {
    expect(range({})).toBeUndefined();
  });

  it('reads start-end, open-ended and suffix ranges, clipped to the file', () => {
    expect(range({ range: 'bytes=0-99' })).toEqual({ start: 0, end: 99 });
    expect(range({ range: 'bytes=900-' })).toEqual({ start: 900, end: 999 });
    expect(range({ range: 'bytes=-100' })).toEqual({ start: 900, end: 999 });
    expect(range({ range: 'bytes=990-5000' })).toEqual({ start: 990, end: 999 });
  });

  it('combines overlapping ranges into one, and sends the whole file for several', () => {
    expect(range({ range: 'bytes=0-99,50-149' })).toEqual({ start: 0, end: 149 });
    expect(range({ range: 'bytes=0-9,500-509' })).toBeUndefined();
  });

  it('ignores malformed headers and other units', () => {
    expect(range({ range: 'nonsense' })).toBeUndefined();
    expect(range({ range: 'items=0-5' })).toBeUndefined();
    // A bytes range with no usable part is one nothing of the file satisfies.
    expect(() => range({ range: 'bytes=abc' })).toThrow(RangeNotSatisfiable);
  });

  it('refuses a range wholly outside the file with 416 and the size', () => {
    expect(() => range({ range: 'bytes=1000-1100' })).toThrow(RangeNotSatisfiable);
    try {
      range({ range: 'bytes=5000-' });
    } catch (error) {
      expect((error as RangeNotSatisfiable).headers).toEqual({ 'Content-Range': 'bytes */1000' });
    }
  });

  it('honours If-Range only for the current version (entity tag or date)', () => {
    expect(range({ range: 'bytes=0-9', 'if-range': ETAG })).toEqual({ start: 0, end: 9 });
    expect(range({ range: 'bytes=0-9', 'if-range': MODIFIED.toUTCString() })).toEqual({ start: 0, end: 9 });
    expect(range({ range: 'bytes=0-9', 'if-range': '"older"' })).toBeUndefined();
    expect(range({ range: 'bytes=0-9', 'if-range': new Date(MODIFIED.getTime() - 60_000).toUTCString() })).toBeUndefined();
  });
});
