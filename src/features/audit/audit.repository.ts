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

export interface AuditEvent {
  id: string;
  at: string;
  actor: string | null;
  actorId: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: string;
  details: unknown;
}

/** An event to append, its details already as JSON text (so a bad one fails where it is recorded). */
export type NewAuditEvent = Omit<AuditEvent, 'details' | 'outcome'> & { outcome: 'success' | 'failure'; details: string | null };

export async function insertEvents(db: Executor, events: readonly NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('audit_events')
    .values(events.map((event) => ({ id: event.id, at: event.at, actor_id: event.actorId, actor: event.actor, action: event.action, target: event.target, ip: event.ip, user_agent: event.userAgent, outcome: event.outcome, details: event.details })))
    .execute();
}

function toEvent(row: AuditEventRow): AuditEvent {
  return { id: row.id, at: row.at, actor: row.actor, actorId: row.actor_id, action: row.action, target: row.target, ip: row.ip, userAgent: row.user_agent, outcome: row.outcome, details: row.details ? (JSON.parse(row.details) as unknown) : null };
}

export async function listEvents(db: Executor, query: AuditQuery): Promise<AuditEvent[]> {
  let select = db.selectFrom('audit_events').selectAll();
  if (query.user) select = select.where('actor', '=', query.user);
  if (query.action) select = query.action.endsWith('.') ? select.where('action', 'like', `${query.action.replace(/[%_]/g, '')}%`) : select.where('action', '=', query.action);
  if (query.since) select = select.where('at', '>=', query.since);
  if (query.until) select = select.where('at', '<', query.until);
  const after = query.after;
  if (after) select = select.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
  return (await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()).map(toEvent);
}

export async function deleteEventsBefore(db: Executor, before: string): Promise<number> {
  const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
