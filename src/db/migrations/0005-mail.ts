import { MysqlAdapter, sql, type Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/**
 * Mail: the outbox every message goes through, single-use mail tokens (address
 * verification, password reset), SES feedback events and the suppression list, and three
 * columns on users. Forward-only; existing accounts start unverified with notices on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const withOptions = tableOptions(db);
  // SES feedback can be large (up to the 256 KiB body limit); MariaDB's TEXT stops at 64 KiB.
  const longText = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : sql`text`;

  await db.schema.alterTable('users').addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('notices_enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('users').addColumn('language', 'varchar(8)', (c) => c.notNull().defaultTo('en')).execute();

  await db.schema
    .createTable('mail_outbox')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('to_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('language', 'varchar(8)', (c) => c.notNull())
    // What the message is (verify_email, password_reset, …), for the admin list and the log.
    .addColumn('template', 'varchar(32)', (c) => c.notNull())
    // 0/1: the body carries a single-use link, so it is blanked once the message is done with.
    .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_error', 'varchar(500)')
    .addColumn('transport', 'varchar(16)')
    // A sender claims a row by writing its name and a deadline; an expired claim is free again.
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claimed_until', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_outbox_created_idx').on('mail_outbox').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('mail_tokens')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
    // SHA-256 of the token: the database never holds a usable link.
    .addColumn('token_hash', 'char(64)', (c) => c.notNull().unique())
    // The address a verification token verifies (a later change of address voids it).
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('mail_tokens_user_idx').on('mail_tokens').columns(['user_id', 'purpose']).execute();

  await db.schema
    .createTable('ses_events')
    .$call(withOptions)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    // The SNS MessageId (or, from the relay, sha256 of the body): the same one twice is one event.
    .addColumn('message_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('bounce_type', 'varchar(16)')
    .addColumn('source', 'varchar(8)', (c) => c.notNull())
    .addColumn('raw', longText, (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('ses_events_message_address_uq', ['message_id', 'address'])
    .execute();
  await db.schema.createIndex('ses_events_address_idx').on('ses_events').columns(['address', 'received_at']).execute();

  await db.schema
    .createTable('mail_suppressions')
    .$call(withOptions)
    .addColumn('email', 'varchar(320)', (c) => c.primaryKey())
    .addColumn('reason', 'varchar(16)', (c) => c.notNull())
    .addColumn('since', 'varchar(32)', (c) => c.notNull())
    // Lifted suppressions stay as rows: soft bounces before the lift no longer count.
    .addColumn('lifted_at', 'varchar(32)')
    .addColumn('lifted_by', 'varchar(64)')
    .execute();
}
