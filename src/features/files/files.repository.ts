import { MysqlAdapter, sql } from 'kysely';
import type { Executor } from '../../db/connect.js';
import { fileNameMatches } from '../../db/search.js';
import { prepared } from '../../db/prepared.js';
import type { FileRow, NewFileRow } from '../../db/schema.js';
import type { StoredMetadata, TakenAtSource } from './media-metadata.js';
import type { MediaKind } from './media-types.js';
import { LISTED_COLUMNS, toListedFile, toStoredFile, type BytePatch, type ListedFile, type ListedRow, type StoredFile } from './stored-file.js';

export type { BytePatch, StoredFile };


export type SortKey = 'createdAt' | 'takenAt' | 'name' | 'size';
export type SortOrder = 'asc' | 'desc';

const SORT_COLUMNS = { createdAt: 'created_at', takenAt: 'taken_at', name: 'name', size: 'size' } as const;

export interface ListQuery {
  ownerId: string;
  limit: number;
  kind?: MediaKind;
  nameContains?: string;
  sort: SortKey;
  order: SortOrder;
  /** taken_at ≥ this instant (ISO UTC). */
  takenFrom?: string;
  /** taken_at < this instant (ISO UTC). */
  takenTo?: string;
  /** Only files in which the owner's person with this id has a face. */
  personId?: string;
  /** Continue after this (sort value, id) position, in the order asked for. */
  after?: { value: string | number; id: string };
}

/** The value of the sort key of a file, as its cursor carries it. */
export function sortValue(file: ListedFile, sort: SortKey): string | number {
  return sort === 'size' ? file.size : sort === 'name' ? file.name : sort === 'takenAt' ? file.takenAt : file.createdAt;
}


/** A file an upload stored, before its row exists: what the upload knows of it. */
export interface NewFile {
  id: string;
  ownerId: string;
  name: string;
  kind: MediaKind;
  contentType: string;
  size: number;
  sha256: string;
  blobKey: string;
  createdAt: string;
  /** `[]` when the kind never carries a location; null until the describe step has looked (photos). */
  locationPatches: BytePatch[] | null;
}

/**
 * A new file's row: pending its background steps, and until the describe step reads the
 * bytes taken when uploaded.
 */
function newFileRow(file: NewFile): FileRow & { size: number } {
  return {
    id: file.id,
    owner_id: file.ownerId,
    name: file.name,
    kind: file.kind,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    blob_key: file.blobKey,
    thumbnail_key: null,
    width: null,
    height: null,
    duration_seconds: null,
    created_at: file.createdAt,
    processing: 'pending',
    failed_steps: null,
    taken_at: file.createdAt,
    taken_at_source: 'upload',
    taken_month: file.createdAt.slice(0, 7),
    metadata: null,
    location_patches: file.locationPatches === null ? null : JSON.stringify(file.locationPatches),
  };
}

/** Inserts the files of an upload in one statement; returns them as stored. */
export async function insertFiles(db: Executor, files: readonly NewFile[]): Promise<StoredFile[]> {
  const rows: NewFileRow[] = files.map(newFileRow);
  if (rows.length > 0) await db.insertInto('files').values(rows).execute();
  return files.map((file) => toStoredFile(newFileRow(file)));
}

export async function findOwnedFile(db: Executor, ownerId: string, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
  return row && toStoredFile(row);
}

export async function findFileById(db: Executor, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toStoredFile(row);
}

/**
 * One page of an owner's files in the order asked for, by keyset: a row-value comparison
 * `(key, id) < (?, ?)` (or `>` ascending), which each database reads as one range of the
 * (owner_id[, kind], key, id) index (MariaDB when told the index, see filesTable) — checked
 * with EXPLAIN on all three (bench/results/timeline.md) — so a deep page costs what the
 * first does. Without a name search, the query is built once per shape (which filters,
 * sort and order) and database, then run with each request's values (db/prepared.ts).
 */
export async function listFiles(db: Executor, query: ListQuery): Promise<ListedFile[]> {
  if (query.nameContains) return (await (await listFilesQuery(db, query)).execute()).map(toListedFile);
  const values = listingValues(query);
  const rows = await preparedListing(query, values)(db, values);
  return rows.map(toListedFile);
}

const selectLibraryVersion = prepared((db: Executor, { ownerId }: { ownerId: string }) => db.selectFrom('library_versions').select('version').where('owner_id', '=', ownerId));

/** The owner's library version (migration 0012), as text whatever the driver returns; undefined without its row. */
export async function libraryVersion(db: Executor, ownerId: string): Promise<string | undefined> {
  const [row] = await selectLibraryVersion(db, { ownerId });
  return row && String(row.version);
}

/** The query listFiles runs, for EXPLAIN in the bench. */
export async function listFilesQuery(db: Executor, query: ListQuery) {
  const nameMatch = query.nameContains ? await fileNameMatches(db, query.nameContains) : undefined;
  return buildListing(db, query, listingValues(query), nameMatch);
}

/** A listing's values by name: what changes between two runs of one shape. */
function listingValues(query: ListQuery) {
  return {
    ownerId: query.ownerId,
    limit: query.limit,
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.takenFrom ? { takenFrom: query.takenFrom } : {}),
    ...(query.takenTo ? { takenTo: query.takenTo } : {}),
    ...(query.personId ? { personId: query.personId } : {}),
    ...(query.after ? { afterValue: query.after.value, afterId: query.after.id } : {}),
  };
}

type ListingValues = ReturnType<typeof listingValues>;

const listingShapes = new Map<string, (db: Executor, values: ListingValues) => Promise<ListedRow[]>>();

/** The listing of this shape: the sort, the order and which values are given. */
function preparedListing(query: ListQuery, values: ListingValues) {
  const shape = `${query.sort} ${query.order} ${Object.keys(values).join(',')}`;
  let run = listingShapes.get(shape);
  if (!run) {
    run = prepared((db: Executor, values: ListingValues) => buildListing(db, query, values));
    listingShapes.set(shape, run);
  }
  return run;
}

/**
 * The listing's query from its shape (`query`: which filters, the sort and order) and its
 * values. Only `values` may reach the SQL as parameters: a prepared shape is built once.
 */
function buildListing(db: Executor, query: ListQuery, values: ListingValues, nameMatch?: Awaited<ReturnType<typeof fileNameMatches>>) {
  const column = SORT_COLUMNS[query.sort];
  let select = filesTable(db, query).select(LISTED_COLUMNS).where('owner_id', '=', values.ownerId);
  if (values.kind) select = select.where('kind', '=', values.kind);
  if (nameMatch) select = select.where(nameMatch);
  if (values.takenFrom) select = select.where('taken_at', '>=', values.takenFrom);
  if (values.takenTo) select = select.where('taken_at', '<', values.takenTo);
  const personId = values.personId;
  if (personId) {
    select = select.where((eb) =>
      eb.exists(eb.selectFrom('faces').select('faces.id').whereRef('faces.file_id', '=', 'files.id').where('faces.owner_id', '=', values.ownerId).where('faces.person_id', '=', personId)),
    );
  }
  if (values.afterId !== undefined && values.afterValue !== undefined) {
    const { afterValue, afterId } = values;
    const past = query.order === 'desc' ? '<' : '>';
    const upTo = query.order === 'desc' ? '<=' : '>=';
    // MariaDB ranges over an index on `k <= v AND (k < v OR id < i)`, the same condition
    // spelt out, and over row values only on their first part.
    select = isMysql(db)
      ? select.where((eb) => eb.and([eb(column, upTo, afterValue), eb.or([eb(column, past, afterValue), eb('id', past, afterId)])]))
      : select.where((eb) => eb(eb.refTuple(column, 'id'), past, eb.tuple(afterValue, afterId)));
  }
  return select.orderBy(column, query.order).orderBy('id', query.order).limit(values.limit);
}

/**
 * The files table, named with the index a keyset page reads on MariaDB. Its optimizer
 * costs `owner_id = ?` as a `ref` lookup and prefers it to the range that the cursor's
 * condition allows on the same index, in any spelling (row values, `k < v OR (k = v AND
 * id < i)`, `k <= v AND …`): it then reads the owner's files from the first until the
 * cursor — 450 ms for a middle page of 100,000. With the index named it reads from the
 * cursor: 5 ms (bench/results/timeline.md). SQLite and PostgreSQL choose that range alone.
 */
function filesTable(db: Executor, query: ListQuery) {
  if (!query.after || !isMysql(db)) return db.selectFrom('files');
  const index = `files_owner_${query.kind && (query.sort === 'createdAt' || query.sort === 'takenAt') ? 'kind_' : ''}${SORT_INDEX_PART[query.sort]}_idx`;
  return db.selectFrom(sql<FileRow>`files`.as<'files'>(sql`files force index (${sql.ref(index)})`));
}

const isMysql = (db: Executor) => db.getExecutor().adapter instanceof MysqlAdapter;

const SORT_INDEX_PART = { createdAt: 'created', takenAt: 'taken', name: 'name', size: 'size' } as const;

export interface MonthBucket {
  month: string;
  count: number;
}

/** How many of an owner's files were taken in each month, newest month first; exact counts. */
export async function countByMonth(db: Executor, ownerId: string, kind?: MediaKind): Promise<MonthBucket[]> {
  const rows = await countByMonthQuery(db, ownerId, kind).execute();
  return rows.map((row) => ({ month: row.taken_month, count: Number(row.count) }));
}

/** The query countByMonth runs, for EXPLAIN in the bench. */
export function countByMonthQuery(db: Executor, ownerId: string, kind?: MediaKind) {
  let select = db
    .selectFrom('files')
    .select(['taken_month', (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', '=', ownerId);
  if (kind) select = select.where('kind', '=', kind);
  return select.groupBy('taken_month').orderBy('taken_month', 'desc');
}

export async function updateFileName(db: Executor, ownerId: string, id: string, name: string): Promise<boolean> {
  const result = await db.updateTable('files').set({ name }).where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface MediaFactsUpdate {
  width?: number | null;
  height?: number | null;
  durationSeconds?: number | null;
  thumbnailKey?: string | null;
  taken?: { at: string; source: TakenAtSource };
  metadata?: StoredMetadata;
  locationPatches?: BytePatch[] | 'unremovable';
}

export async function updateMediaFacts(db: Executor, id: string, facts: MediaFactsUpdate): Promise<boolean> {
  const result = await db
    .updateTable('files')
    .set({
      ...(facts.width !== undefined ? { width: facts.width } : {}),
      ...(facts.height !== undefined ? { height: facts.height } : {}),
      ...(facts.durationSeconds !== undefined ? { duration_seconds: facts.durationSeconds } : {}),
      ...(facts.thumbnailKey !== undefined ? { thumbnail_key: facts.thumbnailKey } : {}),
      ...(facts.taken ? { taken_at: facts.taken.at, taken_at_source: facts.taken.source, taken_month: facts.taken.at.slice(0, 7) } : {}),
      ...(facts.metadata ? { metadata: JSON.stringify(facts.metadata) } : {}),
      ...(facts.locationPatches ? { location_patches: JSON.stringify(facts.locationPatches) } : {}),
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
