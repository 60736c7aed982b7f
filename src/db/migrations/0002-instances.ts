import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

// Forward-only. The instance registry: one row per running Coffer process, kept fresh by
// its heartbeat, so administrators can see which instances serve and which went silent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instances')
    .$call(tableOptions(db))
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('version', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_heartbeat_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
