import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/**
 * The notable-people gallery `/who` matches against: a curated person (name, short
 * description, link) and the faces of their reference photos. Only descriptors are kept,
 * as JSON text (128 numbers; every dialect stores and returns text the same way), not the
 * photos.
 *
 * Then each user's own library: the faces found in their photos and video posters (box in
 * fractions of the oriented image, the descriptor as base64 of 128 little-endian float32),
 * the people they name, and the suggestions they turned down. Everything belongs to one
 * owner and goes with its file (cascade); nothing links one user's faces to another's.
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

  // Recognition in the user's own library, on unless they turn it off (their faces go then).
  await db.schema.alterTable('users').addColumn('face_recognition', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  // Bumped with every change to the user's named faces: the in-memory index checks it.
  await db.schema.alterTable('users').addColumn('faces_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('people')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('owner_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('link', 'varchar(2000)')
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    // The face shown for the person; when unset (or gone) the newest named one is used.
    .addColumn('cover_face_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('people_owner_name_idx').on('people').columns(['owner_id', 'name']).execute();

  await db.schema
    .createTable('faces')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('file_id', 'varchar(36)', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('owner_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('x', 'double precision', (c) => c.notNull())
    .addColumn('y', 'double precision', (c) => c.notNull())
    .addColumn('width', 'double precision', (c) => c.notNull())
    .addColumn('height', 'double precision', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('descriptor', 'text', (c) => c.notNull())
    .addColumn('person_id', 'varchar(36)', (c) => c.references('people.id').onDelete('set null'))
    // How the person was given: `user` (named or confirmed), `match` (close enough to one of
    // the user's named faces); null with suggested_person_id: a match to confirm or reject.
    .addColumn('assigned_by', 'varchar(8)')
    .addColumn('suggested_person_id', 'varchar(36)', (c) => c.references('people.id').onDelete('set null'))
    // Euclidean distance to the named face that gave the person or the suggestion.
    .addColumn('distance', 'double precision')
    // Unnamed faces close to one another share a cluster (named in one go).
    .addColumn('cluster_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('faces_file_idx').on('faces').column('file_id').execute();
  await db.schema.createIndex('faces_owner_person_idx').on('faces').columns(['owner_id', 'person_id']).execute();
  await db.schema.createIndex('faces_owner_cluster_idx').on('faces').columns(['owner_id', 'cluster_id']).execute();
  await db.schema.createIndex('faces_person_idx').on('faces').column('person_id').execute();
  await db.schema.createIndex('faces_suggested_idx').on('faces').column('suggested_person_id').execute();

  // A suggestion the user turned down is not made again for that face.
  await db.schema
    .createTable('face_rejections')
    .$call(withOptions)
    .addColumn('face_id', 'varchar(36)', (c) => c.notNull().references('faces.id').onDelete('cascade'))
    .addColumn('person_id', 'varchar(36)', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('face_rejections_pk', ['face_id', 'person_id'])
    .execute();
}
