import { sql } from 'kysely';
import type { Executor } from '../../db/connect.js';
import type { FaceRow, NewFaceRow } from '../../db/schema.js';
import { decodeDescriptor, encodeDescriptor } from './descriptors.js';
import type { IndexedFace } from './matching.js';
import { toStoredFile, type StoredFile } from '../files/stored-file.js';

/** A face with the names the API shows: its person's, and the suggestion's. */
export interface NamedFace {
  id: string;
  fileId: string;
  box: { x: number; y: number; width: number; height: number };
  personId: string | null;
  personName: string | null;
  assignedBy: FaceRow['assigned_by'];
  suggestedPersonId: string | null;
  suggestedName: string | null;
  distance: number | null;
}

function namedFaces(db: Executor) {
  return db
    .selectFrom('faces')
    .leftJoin('people as p', 'p.id', 'faces.person_id')
    .leftJoin('people as s', 's.id', 'faces.suggested_person_id')
    .selectAll('faces')
    .select(['p.name as person_name', 's.name as suggested_name']);
}

function toNamedFace(row: FaceRow & { person_name: string | null; suggested_name: string | null }): NamedFace {
  return {
    id: row.id,
    fileId: row.file_id,
    box: { x: row.x, y: row.y, width: row.width, height: row.height },
    personId: row.person_id,
    personName: row.person_name,
    assignedBy: row.assigned_by,
    suggestedPersonId: row.suggested_person_id,
    suggestedName: row.suggested_name,
    // PostgreSQL returns a real as a number, MariaDB a double sometimes as a string.
    distance: row.distance === null ? null : Number(row.distance),
  };
}

export async function listFacesOfFile(db: Executor, fileId: string): Promise<NamedFace[]> {
  const rows = await namedFaces(db).where('faces.file_id', '=', fileId).orderBy('faces.x').orderBy('faces.id').execute();
  return rows.map(toNamedFace);
}

export async function findOwnedFace(db: Executor, ownerId: string, id: string): Promise<NamedFace | undefined> {
  const row = await namedFaces(db).where('faces.id', '=', id).where('faces.owner_id', '=', ownerId).executeTakeFirst();
  return row && toNamedFace(row);
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

/** A face the detector found, as the faces step describes it (box in 0–1 of the picture). */
export interface NewFace {
  id: string;
  fileId: string;
  ownerId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  descriptor: Float32Array;
  personId: string | null;
  assignedBy: 'match' | null;
  suggestedPersonId: string | null;
  distance: number | null;
  clusterId: string | null;
  createdAt: string;
}

export async function replaceFacesOfFile(db: Executor, fileId: string, found: readonly NewFace[]): Promise<void> {
  const rows: NewFaceRow[] = found.map((face) => ({
    id: face.id,
    file_id: face.fileId,
    owner_id: face.ownerId,
    x: face.x,
    y: face.y,
    width: face.width,
    height: face.height,
    score: face.score,
    descriptor: encodeDescriptor(face.descriptor),
    person_id: face.personId,
    assigned_by: face.assignedBy,
    suggested_person_id: face.suggestedPersonId,
    distance: face.distance,
    cluster_id: face.clusterId,
    created_at: face.createdAt,
  }));
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

/** The face is nobody's (the person it named is unset). */
export async function unnameFace(db: Executor, faceId: string): Promise<void> {
  await db.updateTable('faces').set({ person_id: null, assigned_by: null, distance: null }).where('id', '=', faceId).execute();
}

/** The face's suggestion goes; `distance` is what remains of its match (null without one). */
export async function clearSuggestion(db: Executor, faceId: string, distance: number | null): Promise<void> {
  await db.updateTable('faces').set({ suggested_person_id: null, distance }).where('id', '=', faceId).execute();
}

/** An unnamed face in a group of look-alikes (GET /people/clusters). */
export interface ClusteredFace {
  id: string;
  fileId: string;
  clusterId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export async function listClusteredFaces(db: Executor, ownerId: string): Promise<ClusteredFace[]> {
  const rows = await db
    .selectFrom('faces')
    .select(['id', 'file_id', 'cluster_id', 'x', 'y', 'width', 'height', 'score'])
    .where('owner_id', '=', ownerId)
    .where('person_id', 'is', null)
    .where('cluster_id', 'is not', null)
    .execute();
  return rows.map((row) => ({ id: row.id, fileId: row.file_id, clusterId: row.cluster_id!, x: row.x, y: row.y, width: row.width, height: row.height, score: row.score }));
}

/**
 * The user's word: this face is this person. Another face of the same photo that was only
 * matched to them is unnamed.
 */
export async function nameFaceByUser(db: Executor, face: { id: string; fileId: string }, personId: string): Promise<void> {
  await db
    .updateTable('faces')
    .set({ person_id: null, assigned_by: null, distance: null })
    .where('file_id', '=', face.fileId)
    .where('person_id', '=', personId)
    .where('assigned_by', '=', 'match')
    .where('id', '!=', face.id)
    .execute();
  await db.updateTable('faces').set({ person_id: personId, assigned_by: 'user', suggested_person_id: null, distance: null, cluster_id: null }).where('id', '=', face.id).execute();
}

/** A match: the still unnamed face is attached to the person. */
export async function attachMatch(db: Executor, faceId: string, personId: string, distance: number): Promise<void> {
  await db.updateTable('faces').set({ person_id: personId, assigned_by: 'match', suggested_person_id: null, distance, cluster_id: null }).where('id', '=', faceId).where('person_id', 'is', null).execute();
}

/** A near match: the person is suggested for the still unnamed face without a suggestion. */
export async function suggestMatch(db: Executor, faceId: string, personId: string, distance: number): Promise<void> {
  await db.updateTable('faces').set({ suggested_person_id: personId, distance }).where('id', '=', faceId).where('person_id', 'is', null).where('suggested_person_id', 'is', null).execute();
}
