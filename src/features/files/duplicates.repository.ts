import { sql } from 'kysely';
import type { Executor } from '../../db/connect.js';
import { toStoredFile, type StoredFile } from './stored-file.js';

/** Bytes as the duplicate check knows them: the same size and SHA-256 are the same bytes. */
export interface Fingerprint {
  size: number;
  sha256: string;
}

export interface Original {
  id: string;
  name: string;
}

export const fingerprintKey = ({ size, sha256 }: Fingerprint) => `${size}:${sha256}`;

/**
 * For each fingerprint the owner already has, their oldest file with it (the one others
 * duplicate), keyed by fingerprintKey. One query over (owner_id, size, sha256).
 */
export async function findOriginals(db: Executor, ownerId: string, prints: readonly Fingerprint[]): Promise<Map<string, Original>> {
  if (prints.length === 0) return new Map();
  const rows = await db
    .selectFrom('files')
    .select(['id', 'name', 'size', 'sha256', 'created_at'])
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.or(prints.map((print) => eb.and([eb('size', '=', print.size), eb('sha256', '=', print.sha256)]))))
    .execute();
  // Oldest first, sorted here: an ORDER BY created_at led SQLite to walk the owner's whole
  // library in that index's order instead of seeking (owner, size, hash) — every upload read
  // every file (1 ms at 12,000 files). The rows are the few copies of these bytes.
  const at = (row: { created_at: string | Date }) => new Date(row.created_at).getTime();
  rows.sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const originals = new Map<string, Original>();
  for (const row of rows) {
    const key = fingerprintKey({ size: Number(row.size), sha256: row.sha256 });
    if (!originals.has(key)) originals.set(key, { id: row.id, name: row.name });
  }
  return originals;
}

/**
 * Takes the owner's upload lock until the transaction ends: a no-op UPDATE of their user
 * row. On PostgreSQL and MariaDB that is a row lock; on SQLite the write lock (the first
 * statement of the transaction writes, so a second process waits instead of failing on a
 * stale snapshot). Two uploads of the same bytes by one owner then check and insert one
 * after the other.
 */
export async function lockOwnerUploads(trx: Executor, ownerId: string): Promise<void> {
  // Not the key column: on PostgreSQL that lock would also wait for every insert that refers to the user.
  await trx.updateTable('users').set((eb) => ({ name: eb.ref('name') })).where('id', '=', ownerId).execute();
}

export interface GroupPosition {
  size: number;
  sha256: string;
}

export interface DuplicateGroupRow extends GroupPosition {
  count: number;
}

/** The owner's fingerprints held by more than one file, largest first, then by SHA-256; keyset paged. */
export async function listDuplicateGroups(db: Executor, ownerId: string, limit: number, after?: GroupPosition): Promise<DuplicateGroupRow[]> {
  let select = db
    .selectFrom('files')
    .select(['size', 'sha256', (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', '=', ownerId);
  if (after) select = select.where((eb) => eb.or([eb('size', '<', after.size), eb.and([eb('size', '=', after.size), eb('sha256', '>', after.sha256)])]));
  const rows = await select
    .groupBy(['size', 'sha256'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .orderBy('size', 'desc')
    .orderBy('sha256')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ size: Number(row.size), sha256: row.sha256, count: Number(row.count) }));
}

/** The first `perGroup` files (oldest first) of each of these groups. */
export async function findGroupFiles(db: Executor, ownerId: string, groups: readonly GroupPosition[], perGroup: number): Promise<StoredFile[]> {
  if (groups.length === 0) return [];
  // A group may hold thousands of copies: number them per group in the database, keep a few.
  const numbered = db
    .selectFrom('files')
    .selectAll()
    .select(sql<number>`row_number() over (partition by size, sha256 order by created_at, id)`.as('position'))
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.or(groups.map((group) => eb.and([eb('size', '=', group.size), eb('sha256', '=', group.sha256)]))))
    .as('numbered');
  const rows = await db.selectFrom(numbered).selectAll().where('position', '<=', perGroup).orderBy('created_at').orderBy('id').execute();
  return rows.map(({ position: _position, ...row }) => toStoredFile(row));
}
