import { isUniqueViolation, type Executor } from '../../db/connect.js';
import type { InstanceRow } from '../../db/schema.js';

export interface InstanceRecord {
  id: string;
  host: string;
  pid: number;
  port: number;
  version: string;
  startedAt: string;
  lastHeartbeatAt: string;
}

function toRecord(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    port: row.port,
    version: row.version,
    startedAt: row.started_at,
    lastHeartbeatAt: row.last_heartbeat_at,
  };
}

/** Insert or refresh the instance's row (an upsert spelled the same way on every dialect). */
export async function saveInstance(db: Executor, record: InstanceRecord): Promise<void> {
  const row = {
    host: record.host,
    pid: record.pid,
    port: record.port,
    version: record.version,
    started_at: record.startedAt,
    last_heartbeat_at: record.lastHeartbeatAt,
  };
  const update = () => db.updateTable('instances').set(row).where('id', '=', record.id).executeTakeFirst();
  if ((await update()).numUpdatedRows > 0n) return;
  try {
    await db.insertInto('instances').values({ id: record.id, ...row }).execute();
  } catch (error) {
    // Another process with the same id inserted first: refresh its row instead.
    if (!isUniqueViolation(error)) throw error;
    await update();
  }
}

export async function listInstances(db: Executor): Promise<InstanceRecord[]> {
  const rows = await db.selectFrom('instances').selectAll().orderBy('id').execute();
  return rows.map(toRecord);
}

export async function deleteInstance(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('instances').where('id', '=', id).execute();
}

/** Forgets instances silent since before `instant` (ISO time). */
export async function deleteSilentSince(db: Executor, instant: string): Promise<void> {
  await db.deleteFrom('instances').where('last_heartbeat_at', '<', instant).execute();
}
