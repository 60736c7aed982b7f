import type { Executor } from '../../db/connect.js';
import { fileNameMatches } from '../../db/search.js';
import type { FileProcessing, FileRow, NewFileRow } from '../../db/schema.js';
import type { MediaKind } from './media-types.js';

export interface StoredFile {
  id: string;
  ownerId: string;
  name: string;
  kind: MediaKind;
  contentType: string;
  size: number;
  sha256: string;
  blobKey: string;
  thumbnailKey: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  createdAt: string;
  processing: FileProcessing;
  /** Background steps that failed for good (features/jobs/). */
  failedSteps: string[];
}

export interface ListQuery {
  ownerId: string;
  limit: number;
  kind?: MediaKind;
  nameContains?: string;
  /** Continue after this (createdAt, id) position, newest first. */
  after?: { createdAt: string; id: string };
}

export function toStoredFile(row: FileRow): StoredFile {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    kind: row.kind,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    blobKey: row.blob_key,
    thumbnailKey: row.thumbnail_key,
    width: row.width,
    height: row.height,
    durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
    createdAt: row.created_at,
    processing: row.processing,
    failedSteps: row.failed_steps ? row.failed_steps.split(',') : [],
  };
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
    select = select.where(await fileNameMatches(db, query.nameContains));
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
