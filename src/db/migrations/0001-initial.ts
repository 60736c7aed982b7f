import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

// Forward-only: later changes add migrations; nothing here is ever dropped.
export async function up(db: Kysely<unknown>): Promise<void> {
  const withOptions = tableOptions(db);
  await db.schema
    .createTable('users')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    // 0/1 integers: better-sqlite3 cannot bind booleans, and every dialect reads integers alike.
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    // Sessions created before this instant are void: "sign out everywhere" on any store.
    .addColumn('sessions_valid_after', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('files')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('owner_id', 'varchar(36)', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(100)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'char(64)', (c) => c.notNull())
    .addColumn('blob_key', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('thumbnail_key', 'varchar(100)')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('duration_seconds', 'double precision')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  // The gallery query: one owner's files, newest first, with an id tie-break for the cursor.
  await db.schema.createIndex('files_owner_created_idx').on('files').columns(['owner_id', 'created_at', 'id']).execute();
}
