import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import { listBlobReferences } from './fsck.repository.js';

export interface FsckOptions {
  /** Delete orphan blobs (never rows). */
  repair: boolean;
  /**
   * Blobs younger than this are left alone: an upload stores its blobs before it inserts
   * its rows, so a fresh blob without a row may simply be in flight.
   */
  minAgeMs: number;
}

export interface FsckReport {
  /** Blobs no file refers to (left by a crash or a failed delete). */
  orphans: string[];
  /** Orphans younger than minAgeMs: reported, not touched. */
  recentOrphans: string[];
  /** Files whose bytes are gone. */
  missing: Array<{ fileId: string; key: string }>;
  removed: number;
}

/**
 * Compares the blob store with the database. Holds every key in memory: fine for a
 * maintenance command up to millions of files.
 */
export async function checkConsistency(db: Db, blobs: BlobStore, options: FsckOptions): Promise<FsckReport> {
  const referenced = new Map<string, { fileId: string; required: boolean }>();
  for (const { fileId, blobKey, thumbnailKey } of await listBlobReferences(db)) {
    referenced.set(blobKey, { fileId, required: true });
    if (thumbnailKey) referenced.set(thumbnailKey, { fileId, required: false });
  }

  const report: FsckReport = { orphans: [], recentOrphans: [], missing: [], removed: 0 };
  const seen = new Set<string>();
  const cutoff = Date.now() - options.minAgeMs;
  for await (const object of blobs.list()) {
    seen.add(object.key);
    if (referenced.has(object.key)) continue;
    if (object.lastModified.getTime() > cutoff) report.recentOrphans.push(object.key);
    else report.orphans.push(object.key);
  }
  for (const [key, { fileId, required }] of referenced) {
    if (required && !seen.has(key)) report.missing.push({ fileId, key });
  }
  if (options.repair) {
    for (const key of report.orphans) {
      await blobs.delete(key);
      report.removed += 1;
    }
  }
  return report;
}
