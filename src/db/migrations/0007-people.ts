import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/**
 * The notable-people gallery `/who` matches against: a curated person (name, short
 * description, link) and the faces of their reference photos. Only descriptors are kept,
 * as JSON text (128 numbers; every dialect stores and returns text the same way), not the
 * photos. The per-user library faces and people come in a later migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const withOptions = tableOptions(db);

  await db.schema
    .createTable('notable_people')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'varchar(1000)')
    .addColumn('url', 'varchar(2000)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notable_people_name_idx').on('notable_people').column('name').execute();

  await db.schema
    .createTable('notable_faces')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('person_id', 'varchar(36)', (c) => c.notNull().references('notable_people.id').onDelete('cascade'))
    .addColumn('descriptor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notable_faces_person_idx').on('notable_faces').column('person_id').execute();
}

