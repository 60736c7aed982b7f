import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/connect.js';
import { GROUP } from '../../plugins/access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { DateTime, errorResponses } from '../shared.schemas.js';
import { listEvents } from './audit.repository.js';

const AuditQuery = Type.Object(
  {
    user: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(DateTime()),
    until: Type.Optional(DateTime()),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const EventSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Union([Type.String(), Type.Null()]),
  actorId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Unknown(),
});

const position = ([at, id]: string[]) => ({ at: at!, id: id! });

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/admin/audit',
    {
      config: { access: GROUP('admin', 'admin') },
      schema: { tags: ['administration'], summary: 'The audit log, newest first', querystring: AuditQuery, response: { 200: Type.Object({ items: Type.Array(EventSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const { cursor, since, until, limit, user, action } = request.query;
      const rows = await listEvents(db, {
        limit: limit + 1,
        ...(user ? { user } : {}),
        ...(action ? { action } : {}),
        ...(since ? { since: new Date(since).toISOString() } : {}),
        ...(until ? { until: new Date(until).toISOString() } : {}),
        ...(cursor ? { after: position(decodeCursor(cursor, 2)) } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({ id: row.id, at: row.at, actor: row.actor, actorId: row.actor_id, action: row.action, target: row.target, ip: row.ip, userAgent: row.user_agent, outcome: row.outcome, details: row.details ? (JSON.parse(row.details) as unknown) : null })),
        nextCursor: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null,
      };
    },
  );
};
