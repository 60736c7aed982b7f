import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/** Personal access tokens, shares, public links and the audit log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const withOptions = tableOptions(db);

  await db.schema
    .createTable('tokens')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('scopes', 'varchar(200)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(32)', (c) => c.notNull())
    .addColumn('secret_hash', 'char(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('last_used_ip', 'varchar(64)')
    .addColumn('revoked_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('tokens_user_idx').on('tokens').column('user_id').execute();

  await db.schema
    .createTable('shares')
    .$call(withOptions)
    .addColumn('file_id', 'varchar(36)', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('shares_pk', ['file_id', 'user_id'])
    .execute();
  await db.schema.createIndex('shares_user_idx').on('shares').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('links')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('file_id', 'varchar(36)', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('token_hash', 'char(64)', (c) => c.notNull().unique())
    // The token encrypted with a key derived from SECRET_KEY, so its owner can copy the URL again.
    .addColumn('token_sealed', 'varchar(200)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('revoked_at', 'varchar(32)')
    .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('links_file_idx').on('links').column('file_id').execute();

  await db.schema
    .createTable('audit_events')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(36)')
    .addColumn('actor', 'varchar(64)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target', 'varchar(255)')
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(255)')
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_at_idx').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_actor_idx').on('audit_events').columns(['actor_id', 'at']).execute();
}
