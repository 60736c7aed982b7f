import { close, open, read } from 'node:fs';
import { Readable } from 'node:stream';
import type { ByteRange } from './blob-store.js';

/** An unused file stays open this long: a player's next seek usually comes sooner. */
const IDLE_CLOSE_MS = 5_000;
/** At most this many unused files are kept open (in use, any number). */
const MAX_IDLE_OPEN = 64;

interface Entry {
  fd: Promise<number>;
  readers: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Files kept open between the byte-range reads of one blob. A player seeking through a video
 * asks for dozens of small ranges a second, and opening and closing the file for each cost
 * about a fifth of the server's time per range (bench/request-path.ts).
 *
 * A descriptor is closed only when no stream reads from it: after it has been unused for a
 * while, or once the file was replaced or deleted (`forget`; streams under way finish on the
 * file they started on). A replacement by another process is seen once the file has been
 * idle that long; uploads are stored once each, under a fresh key.
 *
 * Node's own file streams cannot share a descriptor: they close it when destroyed, even with
 * `autoClose: false`, and another reader would then go on reading whatever file was opened
 * under the same number. Hence RangeStream below.
 */
export class OpenFiles {
  // Least recently used first: a use moves its entry to the end.
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly idleCloseMs = IDLE_CLOSE_MS) {}

  /** A stream of `span` of the file at `path`; rejects (ENOENT…) when it cannot be opened. */
  async read(path: string, span: ByteRange, highWaterMark: number): Promise<Readable> {
    const entry = this.take(path);
    let fd: number;
    try {
      fd = await entry.fd;
    } catch (error) {
      this.release(path, entry);
      throw error;
    }
    return new RangeStream(fd, span, highWaterMark, () => this.release(path, entry));
  }

  /** The file at `path` was replaced or deleted: it is closed once its current reads are over. */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    clearTimeout(entry.idleTimer);
    if (entry.readers === 0) closeEntry(entry);
  }

  /** Closes every file no stream reads from (the store is closing). */
  closeIdle(): void {
    for (const [path, entry] of this.entries) if (entry.readers === 0) this.forget(path);
  }

  private take(path: string): Entry {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
      clearTimeout(entry.idleTimer);
    } else {
      const opened: Entry = {
        fd: new Promise<number>((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd)))),
        readers: 0,
      };
      // A failed open is not kept: the next read tries again (and sees ENOENT itself).
      opened.fd.catch(() => this.entries.get(path) === opened && this.entries.delete(path));
      entry = opened;
    }
    this.entries.set(path, entry);
    entry.readers += 1;
    return entry;
  }

  private release(path: string, entry: Entry): void {
    entry.readers -= 1;
    if (entry.readers > 0) return;
    if (this.entries.get(path) !== entry) return closeEntry(entry); // forgotten while in use
    entry.idleTimer = setTimeout(() => this.forget(path), this.idleCloseMs).unref();
    this.trim();
  }

  /** Beyond MAX_IDLE_OPEN unused files, the least recently used are closed. */
  private trim(): void {
    let idle = 0;
    for (const entry of this.entries.values()) if (entry.readers === 0) idle += 1;
    for (const [path, entry] of this.entries) {
      if (idle <= MAX_IDLE_OPEN) return;
      if (entry.readers > 0) continue;
      this.forget(path);
      idle -= 1;
    }
  }
}

function closeEntry(entry: Entry): void {
  entry.fd.then(
    (fd) => close(fd, () => {}),
    () => {},
  );
}

/**
 * A span of a shared descriptor, read with positioned reads (pread). It never closes the
 * descriptor: it calls `release` once, when it ends, fails or is destroyed, and only after
 * the read it has in flight (if any) is over.
 */
class RangeStream extends Readable {
  private position: number;
  private reading = false;
  private afterRead: (() => void) | undefined;

  constructor(
    private readonly fd: number,
    private readonly span: ByteRange,
    highWaterMark: number,
    private readonly release: () => void,
  ) {
    super({ highWaterMark });
    this.position = span.start;
  }

  override _read(size: number): void {
    const length = Math.min(size, this.span.end - this.position + 1);
    if (length <= 0) return void this.push(null);
    const buffer = Buffer.allocUnsafeSlow(length);
    this.reading = true;
    read(this.fd, buffer, 0, length, this.position, (error, bytesRead) => {
      this.reading = false;
      if (this.afterRead) return this.afterRead(); // destroyed meanwhile: nothing more is pushed
      if (error) return void this.destroy(error);
      if (bytesRead === 0) return void this.push(null); // the file is shorter than the span
      this.position += bytesRead;
      this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer);
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const finish = () => {
      this.release();
      callback(error);
    };
    if (this.reading) this.afterRead = finish;
    else finish();
  }
}
