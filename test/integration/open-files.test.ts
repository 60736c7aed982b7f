import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenFiles } from '../../src/adapters/storage/open-files.js';

// The descriptors kept open between the range reads of one blob (adapters/storage/open-files.ts),
// counted in /proc/self/fd: Linux only.
const KiB = 1024;

/** How many of this process's descriptors are open on `file` (also once it is deleted). */
function descriptorsOn(file: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(file)) count += 1;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

describe.skipIf(process.platform !== 'linux')('files kept open between range reads', () => {
  let dir: string;
  let file: string;
  const body = randomBytes(4096 * KiB);
  const span = (start: number, end: number) => body.subarray(start, end + 1);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'coffer-open-files-'));
    file = path.join(dir, 'blob');
    writeFileSync(file, body);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the ranges of one file from one descriptor, closed once unused for a while', async () => {
    const files = new OpenFiles(100);
    const first = await files.read(file, { start: 0, end: 999 }, 64 * KiB);
    const second = await files.read(file, { start: 1000, end: 300 * KiB }, 64 * KiB);
    expect(descriptorsOn(file)).toBe(1);
    expect((await buffer(first)).equals(span(0, 999))).toBe(true);
    expect((await buffer(second)).equals(span(1000, 300 * KiB))).toBe(true);
    expect(descriptorsOn(file)).toBe(1); // kept for the next range…
    await vi.waitFor(() => expect(descriptorsOn(file)).toBe(0), { timeout: 5000, interval: 20 }); // …not for ever
  });

  it('readers destroyed mid-way leave the others reading their own bytes, whatever reuses a freed descriptor number', async () => {
    const files = new OpenFiles(100);
    const spans = Array.from({ length: 16 }, (_, i) => ({ start: i * 200 * KiB, end: i * 200 * KiB + 700 * KiB }));
    const streams = await Promise.all(spans.map((s) => files.read(file, s, 16 * KiB)));
    // Half the clients go away after their first chunk.
    const abandoned = streams.filter((_, i) => i % 2 === 0);
    await Promise.all(abandoned.map((stream) => new Promise<void>((resolve) => stream.once('data', () => (stream.destroy(), resolve())))));
    // Other files opened now take any descriptor number a destroyed reader wrongly gave back.
    const others = Array.from({ length: 8 }, (_, i) => {
      const other = path.join(dir, `other-${i}`);
      writeFileSync(other, Buffer.alloc(1024 * KiB, i + 1));
      return openSync(other, 'r');
    });
    try {
      const read = await Promise.all(streams.filter((_, i) => i % 2 === 1).map((stream) => buffer(stream)));
      read.forEach((bytes, i) => {
        const s = spans[2 * i + 1]!;
        expect(bytes.equals(span(s.start, s.end)), `reader ${2 * i + 1}`).toBe(true);
      });
    } finally {
      for (const fd of others) closeSync(fd);
    }
    files.closeIdle();
    await vi.waitFor(() => expect(descriptorsOn(file)).toBe(0), { timeout: 5000, interval: 20 });
  });

  it('reads a replaced file afresh once forgotten, while a read under way finishes on the old one', async () => {
    const files = new OpenFiles(60_000);
    const old = await files.read(file, { start: 0, end: 64 * KiB - 1 }, 16 * KiB);
    // As the blob store puts: a new file renamed over the old path, then forget().
    const replacement = randomBytes(128 * KiB);
    const tmp = path.join(dir, 'tmp');
    writeFileSync(tmp, replacement);
    renameSync(tmp, file);
    files.forget(file);
    expect((await buffer(await files.read(file, { start: 0, end: 999 }, 16 * KiB))).equals(replacement.subarray(0, 1000))).toBe(true);
    expect((await buffer(old)).equals(span(0, 64 * KiB - 1))).toBe(true);
    // The old file's descriptor closes with its last read; the new one's when forgotten.
    await vi.waitFor(() => expect(descriptorsOn(`${file} (deleted)`)).toBe(0), { timeout: 5000, interval: 20 });
    files.forget(file);
    await vi.waitFor(() => expect(descriptorsOn(file)).toBe(0), { timeout: 5000, interval: 20 });
    writeFileSync(file, body);
  });

  it('rejects a missing file and does not remember that it was missing', async () => {
    const files = new OpenFiles(100);
    const later = path.join(dir, 'later');
    await expect(files.read(later, { start: 0, end: 9 }, 16 * KiB)).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(later, 'now it is here');
    expect((await buffer(await files.read(later, { start: 0, end: 2 }, 16 * KiB))).toString()).toBe('now');
  });

  it('ends early at the end of a file shorter than the range', async () => {
    const files = new OpenFiles(100);
    const bytes = await buffer(await files.read(file, { start: body.length - 10, end: body.length + 1000 }, 16 * KiB));
    expect(bytes.equals(body.subarray(body.length - 10))).toBe(true);
  });
});
