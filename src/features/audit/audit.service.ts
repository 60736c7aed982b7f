import type { Db } from '../../db/connect.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { deleteEventsBefore, listEvents } from './audit.repository.js';
import type { AuditEvent } from './audit.repository.js';

export type { AuditEvent };

export interface AuditFilter {
  user?: string;
  /** An exact action, or a family when it ends with a dot (`auth.`). */
  action?: string;
  /** ISO instants. */
  since?: string;
  until?: string;
  cursor?: string;
  limit: number;
}

/** Reading and pruning the audit trail (writing it is AuditLog's, batched). */
export class AuditService {
  constructor(private readonly db: Db) {}

  /** Newest first, a page at a time. */
  async list(filter: AuditFilter): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const { cursor, since, until, limit, user, action } = filter;
    const events = await listEvents(this.db, {
      limit: limit + 1,
      ...(user ? { user } : {}),
      ...(action ? { action } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(cursor ? { after: position(decodeCursor(cursor, 2)) } : {}),
    });
    const items = events.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: events.length > limit && last ? encodeCursor([last.at, last.id]) : null };
  }

  /** Drops the events older than `before` (ISO); returns how many. */
  deleteBefore(before: string): Promise<number> {
    return deleteEventsBefore(this.db, before);
  }
}

const position = ([at, id]: string[]) => ({ at: at!, id: id! });
