import type { Executor } from '../../db/connect.js';
import type { FileProcessing, JobRow, JobStatus, NewJobRow } from '../../db/schema.js';

/** The most of an error message kept on the row. */
const ERROR_LENGTH = 1000;

export interface JobItem {
  id: string;
  fileId: string;
  ownerId: string;
  step: string;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  runAfter: string;
  updatedAt: string;
}

function toJobItem(row: JobRow): JobItem {
  return {
    id: row.id,
    fileId: row.file_id,
    ownerId: row.owner_id,
    step: row.step,
    status: row.status,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    runAfter: row.run_after,
    updatedAt: row.updated_at,
  };
}

/** A step of a file's background work, queued to run now. */
export interface NewJob {
  id: string;
  fileId: string;
  ownerId: string;
  step: string;
  createdAt: string;
}

export async function insertJobs(db: Executor, jobs: readonly NewJob[]): Promise<void> {
  const rows: NewJobRow[] = jobs.map((job) => ({ id: job.id, file_id: job.fileId, owner_id: job.ownerId, step: job.step, status: 'queued', attempts: 0, last_error: null, run_after: job.createdAt, lease_until: null, locked_by: null, created_at: job.createdAt, updated_at: job.createdAt }));
  if (rows.length > 0) await db.insertInto('jobs').values(rows).execute();
}

/** Files no background step applies to: nothing to wait for. */
export async function markFilesDone(db: Executor, fileIds: readonly string[]): Promise<void> {
  if (fileIds.length > 0) await db.updateTable('files').set({ processing: 'done' }).where('id', 'in', fileIds).execute();
}

/**
 * Takes the job for this process if it is due (queued, or running on a lease that has
 * passed) and one of the steps it knows: one atomic UPDATE, so of two processes handed the
 * same job only one gets it. Returns the claimed row, or undefined when someone else has
 * it or it is not due.
 */
export async function claimJob(db: Executor, id: string, steps: readonly string[], lock: string, leaseUntil: string, now: string): Promise<JobItem | undefined> {
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), lease_until: leaseUntil, locked_by: lock, updated_at: now }))
    .where('id', '=', id)
    .where('step', 'in', [...steps])
    .where((eb) => eb.or([eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return undefined;
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).where('locked_by', '=', lock).executeTakeFirst();
  return row && toJobItem(row);
}

/** Records the end of a run this process still holds; false when its lease was taken over. */
export async function finishJob(
  db: Executor,
  id: string,
  lock: string,
  outcome: { status: 'done' } | { status: 'queued'; runAfter: string; error: string } | { status: 'failed'; error: string } | { status: 'released'; runAfter: string },
  now: string,
): Promise<boolean> {
  const set =
    outcome.status === 'done'
      ? { status: 'done' as const, last_error: null }
      : outcome.status === 'queued'
        ? { status: 'queued' as const, run_after: outcome.runAfter, last_error: outcome.error.slice(0, ERROR_LENGTH) }
        : outcome.status === 'failed'
          ? { status: 'failed' as const, last_error: outcome.error.slice(0, ERROR_LENGTH) }
          : { status: 'queued' as const, run_after: outcome.runAfter };
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({
      ...set,
      // A job given back at shutdown did not really have its try.
      ...(outcome.status === 'released' ? { attempts: eb('attempts', '-', 1) } : {}),
      lease_until: null,
      locked_by: null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('locked_by', '=', lock)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Work of these steps that should be running and is not known to be: due, or on a passed
 * lease (its process died).
 */
export async function findDueJobs(db: Executor, steps: readonly string[], now: string, limit: number): Promise<JobItem[]> {
  const ofSteps = db.selectFrom('jobs').selectAll().where('step', 'in', [...steps]);
  const due = await ofSteps.where('status', '=', 'queued').where('run_after', '<=', now).orderBy('run_after').limit(limit).execute();
  const stale = await ofSteps.where('status', '=', 'running').where('lease_until', '<', now).limit(limit).execute();
  return [...due, ...stale].map(toJobItem);
}

/** Jobs queued or running for each of these owners: their rank in the shared queue. */
export async function countUnfinishedByOwner(db: Executor, ownerIds: readonly string[]): Promise<Map<string, number>> {
  if (ownerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('jobs')
    .select(['owner_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('owner_id', 'in', [...ownerIds])
    .where('status', 'in', ['queued', 'running'])
    .groupBy('owner_id')
    .execute();
  return new Map(rows.map((row) => [row.owner_id, Number(row.count)]));
}

export async function countByStatus(db: Executor): Promise<Record<JobStatus, number>> {
  const rows = await db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number | string>().as('count')]).groupBy('status').execute();
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** Any unfinished work at all (due now or running). */
export async function hasDueOrRunning(db: Executor, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('jobs')
    .select('id')
    .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)])]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listJobs(db: Executor, statuses: readonly JobStatus[], limit: number): Promise<JobItem[]> {
  const rows = await db.selectFrom('jobs').selectAll().where('status', 'in', [...statuses]).orderBy('updated_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map(toJobItem);
}

/** Failed jobs (all, or these ids) queued again with a fresh count of attempts. */
export async function requeueFailed(db: Executor, ids: readonly string[] | undefined, now: string): Promise<JobItem[]> {
  if (ids?.length === 0) return [];
  let select = db.selectFrom('jobs').selectAll().where('status', '=', 'failed');
  if (ids) select = select.where('id', 'in', [...ids]);
  const rows = await select.execute();
  if (rows.length === 0) return [];
  const rowIds = rows.map((row) => row.id);
  await db.updateTable('jobs').set({ status: 'queued', attempts: 0, run_after: now, updated_at: now }).where('id', 'in', rowIds).where('status', '=', 'failed').execute();
  return rows.map((row) => toJobItem({ ...row, status: 'queued', attempts: 0, run_after: now }));
}

/**
 * What a file's JSON says about its processing, from its steps: pending while any is
 * queued or running, failed (naming the steps) when one failed for good, otherwise done.
 */
export async function refreshFileProcessing(db: Executor, fileIds: readonly string[]): Promise<void> {
  for (const fileId of new Set(fileIds)) {
    const steps = await db.selectFrom('jobs').select(['step', 'status']).where('file_id', '=', fileId).execute();
    const failed = steps.filter((step) => step.status === 'failed').map((step) => step.step).sort();
    const processing: FileProcessing = steps.some((step) => step.status === 'queued' || step.status === 'running') ? 'pending' : failed.length > 0 ? 'failed' : 'done';
    await db.updateTable('files').set({ processing, failed_steps: failed.length > 0 ? failed.join(',') : null }).where('id', '=', fileId).execute();
  }
}
