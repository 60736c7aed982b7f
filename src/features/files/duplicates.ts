import type { Db, Executor } from '../../db/connect.js';
import { Duplicate, InvalidRequest, type ErrorDetail } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import * as duplicates from './duplicates.repository.js';
import { fingerprintKey, type Fingerprint, type Original } from './duplicates.repository.js';
import type { StoredFile } from './files.repository.js';

/** DUPLICATES: `keep` stores the bytes again and reports `duplicateOf`; `reject` refuses them (409). */
export type DuplicatePolicy = 'keep' | 'reject';

/** A new file of an upload, as the duplicate check sees it. */
export interface NewUpload extends Fingerprint {
  id: string;
  name: string;
}

/**
 * For each new file that repeats bytes the owner already has, what it repeats: their
 * oldest file with the same size and SHA-256, or else an earlier file of the same upload.
 */
export async function findDuplicates(db: Executor, ownerId: string, uploads: readonly NewUpload[]): Promise<Map<string, Original>> {
  const stored = await duplicates.findOriginals(db, ownerId, uploads);
  const found = new Map<string, Original>();
  const earlier = new Map<string, Original>();
  for (const upload of uploads) {
    const key = fingerprintKey(upload);
    const original = stored.get(key) ?? earlier.get(key);
    if (original) found.set(upload.id, original);
    else earlier.set(key, { id: upload.id, name: upload.name });
  }
  return found;
}

/** DUPLICATES=reject: refuses the upload when any of its files repeats bytes, naming what each repeats. */
export async function refuseDuplicates(db: Executor, ownerId: string, uploads: readonly NewUpload[]): Promise<void> {
  const found = await findDuplicates(db, ownerId, uploads);
  if (found.size === 0) return;
  const inUpload = new Set(uploads.map((upload) => upload.id));
  const details: ErrorDetail[] = uploads.flatMap((upload) => {
    const original = found.get(upload.id);
    if (!original) return [];
    const where = inUpload.has(original.id) ? 'earlier in this upload' : `in your library (id ${original.id})`;
    return [{ field: 'file', message: `"${upload.name}" has the same bytes as "${original.name}", ${where}.`, reason: original.id }];
  });
  throw new Duplicate('You already have this file; nothing was stored (DUPLICATES=reject).', details);
}

/** Serialises one owner's uploads until the transaction ends, so the check above holds at insert. */
export const lockOwnerUploads = duplicates.lockOwnerUploads;

export interface DuplicateGroup {
  sha256: string;
  size: number;
  /** How many files hold these bytes; `files` lists at most FILES_PER_GROUP of them. */
  count: number;
  files: StoredFile[];
}

export interface DuplicateGroupPage {
  items: DuplicateGroup[];
  nextCursor: string | null;
}

/** Files shown per group; `count` says how many there are. */
export const FILES_PER_GROUP = 50;

/** The caller's own files grouped by identical bytes, largest first — so they can keep one. */
export class DuplicatesService {
  constructor(private readonly db: Db) {}

  async groups(ownerId: string, options: { limit: number; cursor?: string | undefined }): Promise<DuplicateGroupPage> {
    const after = options.cursor === undefined ? undefined : toPosition(decodeCursor(options.cursor, 2));
    const rows = await duplicates.listDuplicateGroups(this.db, ownerId, options.limit + 1, after);
    const page = rows.slice(0, options.limit);
    const files = await duplicates.findGroupFiles(this.db, ownerId, page, FILES_PER_GROUP);
    const items = page.map((group) => ({ ...group, files: files.filter((file) => file.size === group.size && file.sha256 === group.sha256) }));
    const last = page.at(-1);
    return { items, nextCursor: rows.length > options.limit && last ? encodeCursor([String(last.size), last.sha256]) : null };
  }
}

function toPosition([size, sha256]: string[]): { size: number; sha256: string } {
  if (!/^\d{1,15}$/.test(size!) || !/^[0-9a-f]{64}$/.test(sha256!)) {
    throw new InvalidRequest('The cursor is not valid; use the nextCursor of a previous page.', [{ field: 'cursor', message: 'Unknown cursor.' }]);
  }
  return { size: Number(size), sha256: sha256! };
}
