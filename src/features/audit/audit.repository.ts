import type { Executor } from '../../db/connect.js';
import type { AuditEventRow, Database } from '../../db/schema.js';

export interface AuditQuery {
  user?: string;
  /** An exact action, or a family when it ends with a dot (`auth.`). */
  action?: string;
  since?: string;
  until?: string;
  after?: { at: string; id: string };
  limit: number;
}

export async function listEvents(db: Executor, query: AuditQuery): Promise<AuditEventRow[]> {
  let select = db.selectFrom('audit_events').selectAll();
  if (query.user) select = select.where('actor', '=', query.user);
  if (query.action) select = query.action.endsWith('.') ? select.where('action', 'like', `${query.action.replace(/[%_]/g, '')}%`) : select.where('action', '=', query.action);
  if (query.since) select = select.where('at', '>=', query.since);
  if (query.until) select = select.where('at', '<', query.until);
  const after = query.after;
  if (after) select = select.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
  return select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

export async function deleteEventsBefore(db: Executor, before: string): Promise<number> {
  const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
