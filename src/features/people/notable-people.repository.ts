import { sql } from 'kysely';
import type { Db, Executor } from '../../db/connect.js';
import type { NotablePersonRow } from '../../db/schema.js';

export interface NotablePerson {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  photoCount: number;
  createdAt: string;
}

export interface ReferenceFace {
  personId: string;
  descriptor: Float32Array;
}

const toPerson = (row: NotablePersonRow & { photo_count: number | string | bigint }): NotablePerson => ({
  id: row.id,
  name: row.name,
  description: row.description,
  url: row.url,
  photoCount: Number(row.photo_count),
  createdAt: row.created_at,
});

const withPhotoCount = (db: Executor) =>
  db
    .selectFrom('notable_people as p')
    .selectAll('p')
    .select((eb) => eb.selectFrom('notable_faces as f').whereRef('f.person_id', '=', 'p.id').select(sql<number>`count(*)`.as('n')).as('photo_count'));

export async function listPeople(db: Executor): Promise<NotablePerson[]> {
  const rows = await withPhotoCount(db).orderBy('p.name').orderBy('p.id').execute();
  return rows.map((row) => toPerson({ ...row, photo_count: row.photo_count ?? 0 }));
}

export async function findPerson(db: Executor, id: string): Promise<NotablePerson | undefined> {
  const row = await withPhotoCount(db).where('p.id', '=', id).executeTakeFirst();
  return row && toPerson({ ...row, photo_count: row.photo_count ?? 0 });
}

export async function findPersonByName(db: Executor, name: string): Promise<NotablePerson | undefined> {
  const row = await withPhotoCount(db).where('p.name', '=', name).orderBy('p.created_at').executeTakeFirst();
  return row && toPerson({ ...row, photo_count: row.photo_count ?? 0 });
}

export async function findPeople(db: Executor, ids: readonly string[]): Promise<Map<string, NotablePerson>> {
  if (ids.length === 0) return new Map();
  const rows = await withPhotoCount(db).where('p.id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, toPerson({ ...row, photo_count: row.photo_count ?? 0 })]));
}

export async function insertPerson(db: Executor, person: { id: string; name: string; description: string | null; url: string | null; createdAt: string }): Promise<void> {
  await db.insertInto('notable_people').values({ id: person.id, name: person.name, description: person.description, url: person.url, created_at: person.createdAt }).execute();
}

/** Deletes the person; the foreign key's cascade removes their reference faces. */
export async function deletePerson(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('notable_people').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function insertFaces(db: Executor, faces: { id: string; personId: string; descriptor: Float32Array; createdAt: string }[]): Promise<void> {
  if (faces.length === 0) return;
  await db
    .insertInto('notable_faces')
    .values(faces.map((face) => ({ id: face.id, person_id: face.personId, descriptor: JSON.stringify(Array.from(face.descriptor)), created_at: face.createdAt })))
    .execute();
}

/** Every reference face: the whole gallery, read for each `/who` question (it is small). */
export async function allFaces(db: Db): Promise<ReferenceFace[]> {
  const rows = await db.selectFrom('notable_faces').select(['person_id', 'descriptor']).execute();
  return rows.map((row) => ({ personId: row.person_id, descriptor: Float32Array.from(JSON.parse(row.descriptor) as number[]) }));
}
