import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/**
 * Instance-wide settings an administrator changes at run time (features/admin/settings.*),
 * shared by every instance on the database. One row per setting, its value as JSON text,
 * so a new setting is a new name in code, not a new migration; a missing row is the
 * setting's default.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_settings')
    .$call(tableOptions(db))
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
