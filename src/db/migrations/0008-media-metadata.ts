import { sql, type Kysely } from 'kysely';

// Forward-only. What the describe step reads from a file's own bytes (EXIF/XMP, container and
// audio tags), the date it was taken for the timeline, and per public link whether visitors
// get the photo's location. See features/files/media-facts.ts and features/files/location.ts.
export async function up(db: Kysely<unknown>): Promise<void> {
  // When the file was taken (UTC, toISOString like created_at, so it sorts as text); until its
  // bytes say otherwise, the upload time. Never null once written, so keyset paging compares
  // whole rows.
  await db.schema.alterTable('files').addColumn('taken_at', 'varchar(32)').execute();
  // 'exif', 'container' or 'upload': where taken_at came from.
  await db.schema.alterTable('files').addColumn('taken_at_source', 'varchar(16)', (c) => c.notNull().defaultTo('upload')).execute();
  // 'YYYY-MM' of taken_at, kept beside it so the timeline counts an index, not an expression.
  await db.schema.alterTable('files').addColumn('taken_month', 'char(7)').execute();
  // JSON: the facts the API's `metadata` object shows (camera, location, codecs, tags).
  await db.schema.alterTable('files').addColumn('metadata', 'text').execute();
  // JSON: the byte edits that remove the location from a photo served through a public link
  // ('[]' when it has none); null while the bytes have not been looked at.
  await db.schema.alterTable('files').addColumn('location_patches', 'text').execute();
  await db
    .updateTable('files' as never)
    .set({ taken_at: sql.ref('created_at'), taken_month: sql`substr(created_at, 1, 7)` } as never)
    .execute();

  // The gallery in each order it offers, with the id as the tie-break of its keyset cursor.
  await db.schema.createIndex('files_owner_taken_idx').on('files').columns(['owner_id', 'taken_at', 'id']).execute();
  await db.schema.createIndex('files_owner_kind_taken_idx').on('files').columns(['owner_id', 'kind', 'taken_at', 'id']).execute();
  await db.schema.createIndex('files_owner_kind_created_idx').on('files').columns(['owner_id', 'kind', 'created_at', 'id']).execute();
  await db.schema.createIndex('files_owner_name_idx').on('files').columns(['owner_id', 'name', 'id']).execute();
  await db.schema.createIndex('files_owner_size_idx').on('files').columns(['owner_id', 'size', 'id']).execute();
  // The timeline's month buckets, for all files and for one kind.
  await db.schema.createIndex('files_owner_month_idx').on('files').columns(['owner_id', 'taken_month']).execute();
  await db.schema.createIndex('files_owner_kind_month_idx').on('files').columns(['owner_id', 'kind', 'taken_month']).execute();

  // 0 or 1: visitors of this public link get the photo's location (GPS) too.
  await db.schema.alterTable('links').addColumn('include_location', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
