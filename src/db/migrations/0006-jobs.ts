import type { Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

// Forward-only. Durable background work: one row per (file, step) — what a file still needs
// (its thumbnail and facts today; metadata and faces later) — written in the transaction
// that adds the file, so a crash or restart loses nothing. See features/jobs/.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .$call(tableOptions(db))
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('file_id', 'varchar(36)', (c) => c.notNull().references('files.id').onDelete('cascade'))
    // Whose work it is, for fairness between users.
    .addColumn('owner_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('step', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'varchar(1000)')
    // Not before this instant (backoff after a failure).
    .addColumn('run_after', 'varchar(32)', (c) => c.notNull())
    // A running job whose lease has passed belongs to a process that died: it is queued again.
    .addColumn('lease_until', 'varchar(32)')
    .addColumn('locked_by', 'varchar(120)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('jobs_file_step_unique', ['file_id', 'step'])
    .execute();
  // The sweep (due and expired work) and the counts by status.
  await db.schema.createIndex('jobs_status_run_after_idx').on('jobs').columns(['status', 'run_after']).execute();
  // A user's unfinished work, for the per-owner order of the shared queue.
  await db.schema.createIndex('jobs_owner_status_idx').on('jobs').columns(['owner_id', 'status']).execute();

  // What the file JSON says about its processing: 'pending', 'done' or 'failed' (a step
  // failed for good, named in failed_steps). Files from before this migration had their one
  // in-memory attempt.
  await db.schema.alterTable('files').addColumn('processing', 'varchar(16)', (c) => c.notNull().defaultTo('done')).execute();
  await db.schema.alterTable('files').addColumn('failed_steps', 'varchar(200)').execute();
}
