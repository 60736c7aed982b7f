import { sql } from 'kysely';
import type { Executor } from '../../db/connect.js';
import type { FaceRow, NewFaceRow } from '../../db/schema.js';
import { decodeDescriptor } from './descriptors.js';
import type { IndexedFace } from './matching.js';
import { toStoredFile, type StoredFile } from '../files/stored-file.js';

/** A face with the names the API shows (the person's and the suggestion's). */
export interface FaceWithNames extends FaceRow {
  person_name: string | null;
  suggested_name: string | null;
}

export async function listFacesOfFile(db: Executor, fileId: string): Promise<FaceWithNames[]> {
  return db
    .selectFrom('faces')
    .leftJoin('people as p', 'p.id', 'faces.person_id')
    .leftJoin('people as s', 's.id', 'faces.suggested_person_id')
    .selectAll('faces')
    .select(['p.name as person_name', 's.name as suggested_name'])
    .where('faces.file_id', '=', fileId)
    .orderBy('faces.x')
    .orderBy('faces.id')
    .execute();
}

export async function findOwnedFace(db: Executor, ownerId: string, id: string): Promise<FaceWithNames | undefined> {
  return db
    .selectFrom('faces')
    .leftJoin('people as p', 'p.id', 'faces.person_id')
    .leftJoin('people as s', 's.id', 'faces.suggested_person_id')
    .selectAll('faces')
    .select(['p.name as person_name', 's.name as suggested_name'])
    .where('faces.id', '=', id)
    .where('faces.owner_id', '=', ownerId)
    .executeTakeFirst();
}

/** The user's faces for the in-memory index, with the version and count that validate it. */
export async function loadIndexedFaces(db: Executor, ownerId: string): Promise<IndexedFace[]> {
  const rows = await db.selectFrom('faces').select(['id', 'file_id', 'person_id', 'assigned_by', 'cluster_id', 'descriptor']).where('owner_id', '=', ownerId).execute();
  return rows.map((row) => ({
    id: row.id,
    fileId: row.file_id,
    personId: row.person_id,
    assignedBy: row.assigned_by,
    clusterId: row.cluster_id,
    descriptor: decodeDescriptor(row.descriptor),
  }));
}

export interface IndexStamp {
  version: number;
  count: number;
}

/**
 * What the user's faces look like now, cheaply: the version every change bumps, and the
 * count (a file deleted takes its faces by cascade, without a bump).
 */
export async function indexStamp(db: Executor, ownerId: string): Promise<IndexStamp | undefined> {
  const user = await db.selectFrom('users').select('faces_version').where('id', '=', ownerId).executeTakeFirst();
  if (!user) return undefined;
  const { count } = await db.selectFrom('faces').select((eb) => eb.fn.countAll().as('count')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow();
  return { version: Number(user.faces_version), count: Number(count) };
}

/** Marks a change to the user's faces (in the transaction making it); returns the new stamp. */
export async function bumpFacesVersion(db: Executor, ownerId: string): Promise<IndexStamp> {
  await db
    .updateTable('users')
    .set({ faces_version: sql<number>`faces_version + 1` })
    .where('id', '=', ownerId)
    .execute();
  return (await indexStamp(db, ownerId))!;
}

/** The file a faces step is for, or undefined once it is deleted (the faces feature's own read of the files table). */
export async function findFile(db: Executor, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toStoredFile(row);
}

export async function faceRecognitionOn(db: Executor, ownerId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('face_recognition').where('id', '=', ownerId).executeTakeFirst();
  return Number(row?.face_recognition ?? 0) === 1;
}

export async function replaceFacesOfFile(db: Executor, fileId: string, rows: NewFaceRow[]): Promise<void> {
  await db.deleteFrom('faces').where('file_id', '=', fileId).execute();
  if (rows.length > 0) await db.insertInto('faces').values(rows).execute();
}

export async function setCluster(db: Executor, ownerId: string, faceIds: readonly string[], clusterId: string): Promise<void> {
  if (faceIds.length > 0) await db.updateTable('faces').set({ cluster_id: clusterId }).where('owner_id', '=', ownerId).where('id', 'in', faceIds).execute();
}

export async function deleteFacesOfOwner(db: Executor, ownerId: string): Promise<void> {
  await db.deleteFrom('faces').where('owner_id', '=', ownerId).execute();
}

export async function setFaceRecognition(db: Executor, ownerId: string, on: boolean): Promise<void> {
  await db.updateTable('users').set({ face_recognition: on ? 1 : 0 }).where('id', '=', ownerId).execute();
}
