import type { Db } from '../../db/connect.js';
import * as faces from './faces.repository.js';
import type { IndexedFace } from './matching.js';

interface Entry {
  stamp: faces.IndexStamp;
  faces: Map<string, IndexedFace>;
  usedAt: number;
}

/** How many users' faces one process keeps (each 10,000 faces is about 6 MB). */
const MAX_USERS = 8;
/** An index unused this long is dropped, so an idle process holds nothing. */
const IDLE_MS = 5 * 60_000;

/**
 * Each user's faces in memory (descriptors decoded), for matching new faces and naming
 * old ones in milliseconds. Checked against the database before every use (one version
 * bumped by each change, and the count, which a deleted file lowers): a change made by
 * another process is read again, never missed. Only ever one user's faces at a time.
 */
export class FaceIndex {
  private readonly entries = new Map<string, Entry>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async forUser(ownerId: string): Promise<Map<string, IndexedFace>> {
    this.dropIdle();
    this.scheduleIdleDrop();
    const stamp = await faces.indexStamp(this.db, ownerId);
    if (!stamp) return new Map();
    const cached = this.entries.get(ownerId);
    if (cached && cached.stamp.version === stamp.version && cached.stamp.count === stamp.count) {
      cached.usedAt = Date.now();
      return cached.faces;
    }
    const loaded = new Map((await faces.loadIndexedFaces(this.db, ownerId)).map((face) => [face.id, face]));
    // Read after the stamp: if something changed in between, the next stamp differs and it is read again.
    this.entries.set(ownerId, { stamp, faces: loaded, usedAt: Date.now() });
    while (this.entries.size > MAX_USERS) this.entries.delete(this.leastRecent()!);
    return loaded;
  }

  /**
   * After this process committed a change (`stamp` read in its transaction): applies it to
   * the copy if it was the only change since the copy was read (version one up, and the
   * count agrees afterwards), else drops the copy.
   */
  committed(ownerId: string, stamp: faces.IndexStamp, apply: (faces: Map<string, IndexedFace>) => void): void {
    const cached = this.entries.get(ownerId);
    if (!cached) return;
    if (cached.stamp.version + 1 === stamp.version) {
      apply(cached.faces);
      if (cached.faces.size === stamp.count) {
        cached.stamp = stamp;
        return;
      }
    }
    this.entries.delete(ownerId);
  }

  forget(ownerId: string): void {
    this.entries.delete(ownerId);
  }

  private leastRecent(): string | undefined {
    let oldest: [string, number] | undefined;
    for (const [id, entry] of this.entries) if (!oldest || entry.usedAt < oldest[1]) oldest = [id, entry.usedAt];
    return oldest?.[0];
  }

  /** A process that stops using the index gives its memory back without a further call. */
  private scheduleIdleDrop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.dropIdle(), IDLE_MS + 1000);
    this.idleTimer.unref();
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) if (now - entry.usedAt > IDLE_MS) this.entries.delete(id);
  }
}
