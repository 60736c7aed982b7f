import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { parseExifDate } from '../../src/adapters/media/dates.js';
import { patchStream } from '../../src/features/files/location.js';
import type { BytePatch } from '../../src/features/files/files.repository.js';

describe('dates taken', () => {
  it('reads EXIF wall-clock times with and without their offset', () => {
    expect(parseExifDate('2021:06:15 14:30:00', '+02:00')).toEqual({ local: '2021-06-15T14:30:00', offset: '+02:00', utc: '2021-06-15T12:30:00.000Z' });
    expect(parseExifDate('2021:06:15 14:30:00')).toEqual({ local: '2021-06-15T14:30:00', utc: '2021-06-15T14:30:00.000Z' });
    expect(parseExifDate('2021:01:01 00:30:00', '-05:00')?.utc).toBe('2021-01-01T05:30:00.000Z');
  });

  it('reads ISO strings from XMP and containers, their own zone first', () => {
    expect(parseExifDate('2019-03-10T08:00:00.000000Z')).toEqual({ local: '2019-03-10T08:00:00', offset: '+00:00', utc: '2019-03-10T08:00:00.000Z' });
    expect(parseExifDate('2021-06-15T14:30:00+0200', '-07:00')?.utc).toBe('2021-06-15T12:30:00.000Z');
  });

  it('has no date for impossible, blank or out-of-range values', () => {
    for (const value of ['0000:00:00 00:00:00', '2021:02:30 10:00:00', '2021:13:01 10:00:00', '    :  :     :  :  ', '', 'yesterday', '1700:01:01 00:00:00', 42, undefined]) {
      expect(parseExifDate(value), String(value)).toBeUndefined();
    }
  });
});

describe('patched streams', () => {
  const original = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  const patches: BytePatch[] = [
    [3, Buffer.from('XYZ').toString('base64')],
    [20, Buffer.alloc(6).toString('base64')],
  ];
  const expected = Buffer.from(original);
  expected.write('XYZ', 3);
  expected.fill(0, 20, 26);

  it('edits the bytes however the chunks fall, keeping the length', async () => {
    for (const chunkSize of [1, 2, 4, 5, 7, 36]) {
      const chunks = Array.from({ length: Math.ceil(original.length / chunkSize) }, (_, i) => original.subarray(i * chunkSize, (i + 1) * chunkSize));
      const out = await buffer(patchStream(Readable.from(chunks), 0, patches));
      expect(out.equals(expected), `chunks of ${chunkSize}`).toBe(true);
    }
  });

  it('edits a range that starts inside an edit', async () => {
    const out = await buffer(patchStream(Readable.from([original.subarray(4, 23)]), 4, patches));
    expect(out.equals(expected.subarray(4, 23))).toBe(true);
  });

  it('fails when its source fails', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('store went away')); } });
    await expect(buffer(patchStream(failing, 0, patches))).rejects.toThrow('store went away');
  });
});
