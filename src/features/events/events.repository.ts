import type { Executor } from '../../db/connect.js';

export interface EndedStep {
  jobId: string;
  fileId: string;
  step: string;
  status: 'done' | 'failed';
  at: string;
}

/**
 * The owner's steps that ended (done or failed for good) after the position (updated_at,
 * id), oldest first: what a reconnecting stream missed. The job rows are the record of it.
 */
export async function findStepsEndedAfter(db: Executor, ownerId: string, after: { at: string; jobId: string }, limit: number): Promise<EndedStep[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'file_id', 'step', 'status', 'updated_at'])
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.or([eb('updated_at', '>', after.at), eb.and([eb('updated_at', '=', after.at), eb('id', '>', after.jobId)])]))
    .where('status', 'in', ['done', 'failed'])
    .orderBy('updated_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ jobId: row.id, fileId: row.file_id, step: row.step, status: row.status as 'done' | 'failed', at: row.updated_at }));
}
