import type { Executor } from '../../db/connect.js';
import type { PersonRow } from '../../db/schema.js';

/** A person of the owner's as the service sees it. */
export interface StoredPerson {
  id: string;
  ownerId: string;
  name: string;
  link: string | null;
  hidden: boolean;
  coverFaceId: string | null;
  createdAt: string;
}

function toPerson(row: PersonRow): StoredPerson {
  return { id: row.id, ownerId: row.owner_id, name: row.name, link: row.link, hidden: Number(row.hidden) === 1, coverFaceId: row.cover_face_id, createdAt: row.created_at };
}

export async function findOwnedPerson(db: Executor, ownerId: string, id: string): Promise<StoredPerson | undefined> {
  const row = await db.selectFrom('people').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
  return row && toPerson(row);
}

export async function findPersonByName(db: Executor, ownerId: string, name: string): Promise<StoredPerson | undefined> {
  const row = await db.selectFrom('people').selectAll().where('owner_id', '=', ownerId).where('name', '=', name).orderBy('created_at').executeTakeFirst();
  return row && toPerson(row);
}

export async function listPeople(db: Executor, ownerId: string, includeHidden: boolean): Promise<StoredPerson[]> {
  let select = db.selectFrom('people').selectAll().where('owner_id', '=', ownerId);
  if (!includeHidden) select = select.where('hidden', '=', 0);
  return (await select.orderBy('name').orderBy('id').execute()).map(toPerson);
}

export interface PersonCounts {
  faceCount: number;
  fileCount: number;
}

export async function countFacesByPerson(db: Executor, ownerId: string, personIds: readonly string[]): Promise<Map<string, PersonCounts>> {
  if (personIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('faces')
    .select((eb) => ['person_id', eb.fn.countAll().as('faces'), eb.fn.count('file_id').distinct().as('files')])
    .where('owner_id', '=', ownerId)
    .where('person_id', 'in', personIds)
    .groupBy('person_id')
    .execute();
  return new Map(rows.map((row) => [row.person_id!, { faceCount: Number(row.faces), fileCount: Number(row.files) }]));
}

/** Each person's newest face, the cover when none was chosen (or the chosen one is gone). */
export async function newestFaces(db: Executor, ownerId: string, personIds: readonly string[]) {
  if (personIds.length === 0) return new Map<string, CoverFace>();
  const rows = await db
    .selectFrom('faces')
    .select(['id', 'file_id', 'person_id', 'x', 'y', 'width', 'height', 'created_at'])
    .where('owner_id', '=', ownerId)
    .where('person_id', 'in', personIds)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  const covers = new Map<string, CoverFace>();
  for (const row of rows) if (!covers.has(row.person_id!)) covers.set(row.person_id!, row as CoverFace);
  return covers;
}

export interface CoverFace {
  id: string;
  file_id: string;
  person_id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function findCoverFaces(db: Executor, ownerId: string, faceIds: readonly string[]): Promise<Map<string, CoverFace>> {
  if (faceIds.length === 0) return new Map();
  const rows = await db.selectFrom('faces').select(['id', 'file_id', 'person_id', 'x', 'y', 'width', 'height']).where('owner_id', '=', ownerId).where('id', 'in', faceIds).execute();
  return new Map(rows.filter((row) => row.person_id).map((row) => [row.id, row as CoverFace]));
}

export async function rejectedFaceIds(db: Executor, personId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('face_rejections').select('face_id').where('person_id', '=', personId).execute();
  return new Set(rows.map((row) => row.face_id));
}

export async function recordRejection(db: Executor, faceId: string, personId: string): Promise<void> {
  const exists = await db.selectFrom('face_rejections').select('face_id').where('face_id', '=', faceId).where('person_id', '=', personId).executeTakeFirst();
  if (!exists) await db.insertInto('face_rejections').values({ face_id: faceId, person_id: personId }).execute();
}

/** A new person of the owner's, shown (not hidden). */
export interface NewPerson {
  id: string;
  ownerId: string;
  name: string;
  link: string | null;
  coverFaceId: string | null;
  createdAt: string;
}

export async function insertPerson(db: Executor, person: NewPerson): Promise<void> {
  await db.insertInto('people').values({ id: person.id, owner_id: person.ownerId, name: person.name, link: person.link, hidden: 0, cover_face_id: person.coverFaceId, created_at: person.createdAt }).execute();
}

export interface PersonChanges {
  name?: string;
  link?: string | null;
  hidden?: boolean;
  coverFaceId?: string;
}

export async function updatePerson(db: Executor, ownerId: string, id: string, changes: PersonChanges): Promise<void> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.link !== undefined ? { link: changes.link } : {}),
    ...(changes.hidden !== undefined ? { hidden: changes.hidden ? 1 : 0 } : {}),
    ...(changes.coverFaceId !== undefined ? { cover_face_id: changes.coverFaceId } : {}),
  };
  if (Object.keys(set).length > 0) await db.updateTable('people').set(set).where('id', '=', id).where('owner_id', '=', ownerId).execute();
}

/** Deletes a person; their faces become unnamed and their suggestions go. */
export async function deletePerson(db: Executor, ownerId: string, id: string): Promise<void> {
  await db.updateTable('faces').set({ person_id: null, assigned_by: null, distance: null }).where('owner_id', '=', ownerId).where('person_id', '=', id).execute();
  await db.updateTable('faces').set({ suggested_person_id: null, distance: null }).where('owner_id', '=', ownerId).where('suggested_person_id', '=', id).execute();
  await db.deleteFrom('people').where('id', '=', id).where('owner_id', '=', ownerId).execute();
}

/** The others' faces and suggestions become `id`'s; the others go. */
export async function mergePeople(db: Executor, ownerId: string, id: string, others: readonly string[]): Promise<void> {
  await db.updateTable('faces').set({ person_id: id }).where('owner_id', '=', ownerId).where('person_id', 'in', others).execute();
  await db.updateTable('faces').set({ suggested_person_id: id }).where('owner_id', '=', ownerId).where('suggested_person_id', 'in', others).execute();
  await db.deleteFrom('people').where('owner_id', '=', ownerId).where('id', 'in', others).execute();
}
