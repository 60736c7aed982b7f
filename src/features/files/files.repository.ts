import type { Executor } from '../../db/connect.js';
import { containsText } from '../../db/contains.js';
import type { NewFileRow } from '../../db/schema.js';
import type { MediaKind } from './media-types.js';
import { toStoredFile, type StoredFile } from './stored-file.js';

export { toStoredFile, type StoredFile };


export interface ListQuery {
  ownerId: string;
  limit: number;
  kind?: MediaKind;
  nameContains?: string;
  /** Continue after this (createdAt, id) position, newest first. */
  after?: { createdAt: string; id: string };
}


export async function insertFiles(db: Executor, rows: NewFileRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('files').values(rows).execute();
}

export async function findOwnedFile(db: Executor, ownerId: string, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
  return row && toStoredFile(row);
}

export async function findFileById(db: Executor, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toStoredFile(row);
}

export async function listFiles(db: Executor, query: ListQuery): Promise<StoredFile[]> {
  let select = db.selectFrom('files').selectAll().where('owner_id', '=', query.ownerId);
  if (query.kind) select = select.where('kind', '=', query.kind);
  if (query.nameContains) {
    select = select.where(containsText('name', query.nameContains));
  }
  const after = query.after;
  if (after) {
    select = select.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toStoredFile);
}

export async function updateFileName(db: Executor, ownerId: string, id: string, name: string): Promise<boolean> {
  const result = await db.updateTable('files').set({ name }).where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function updateMediaFacts(
  db: Executor,
  id: string,
  facts: { width?: number | null; height?: number | null; durationSeconds?: number | null; thumbnailKey?: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('files')
    .set({
      ...(facts.width !== undefined ? { width: facts.width } : {}),
      ...(facts.height !== undefined ? { height: facts.height } : {}),
      ...(facts.durationSeconds !== undefined ? { duration_seconds: facts.durationSeconds } : {}),
      ...(facts.thumbnailKey !== undefined ? { thumbnail_key: facts.thumbnailKey } : {}),
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findOwnedFiles(db: Executor, ownerId: string, ids: string[]): Promise<StoredFile[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('files').selectAll().where('id', 'in', ids).where('owner_id', '=', ownerId).execute();
  return rows.map(toStoredFile);
}

export async function deleteFileRows(db: Executor, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('files').where('id', 'in', ids).execute();
}

export type FileAccess = 'owner' | 'shared';

/**
 * How a user may reach each of `ids`, in one query: as owner, through a share, or (absent
 * from the map) not at all. Used for single checks and bulk operations alike.
 */
export async function findAccess(db: Executor, userId: string, ids: readonly string[]): Promise<Map<string, FileAccess>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('files')
    .leftJoin('shares', (join) => join.onRef('shares.file_id', '=', 'files.id').on('shares.user_id', '=', userId))
    .select(['files.id', 'files.owner_id', 'shares.user_id as shared_with'])
    .where('files.id', 'in', ids)
    .where((eb) => eb.or([eb('files.owner_id', '=', userId), eb('shares.user_id', '=', userId)]))
    .execute();
  return new Map(rows.map((row) => [row.id, row.owner_id === userId ? 'owner' : 'shared'] as const));
}

/** A file its owner or a user it is shared with may see. */
export async function findVisibleFile(db: Executor, userId: string, id: string): Promise<StoredFile | undefined> {
  const row = await db
    .selectFrom('files')
    .selectAll('files')
    .where('files.id', '=', id)
    .where((eb) => eb.or([eb('files.owner_id', '=', userId), eb.exists(eb.selectFrom('shares').select('shares.file_id').whereRef('shares.file_id', '=', 'files.id').where('shares.user_id', '=', userId))]))
    .executeTakeFirst();
  return row && toStoredFile(row);
}
