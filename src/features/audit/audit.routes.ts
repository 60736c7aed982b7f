import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GROUP } from '../../plugins/access.js';
import { DateTime, errorResponses } from '../shared.schemas.js';
import type { AuditService } from './audit.service.js';

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

export const auditRoutes: FastifyPluginAsyncTypebox<{ auditEvents: AuditService }> = async (app, { auditEvents }) => {
  app.get(
    '/admin/audit',
    {
      config: { access: GROUP('admin', 'admin') },
      schema: { tags: ['administration'], summary: 'The audit log, newest first', querystring: AuditQuery, response: { 200: Type.Object({ items: Type.Array(EventSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const { since, until, ...rest } = request.query;
      return auditEvents.list({
        ...rest,
        ...(since ? { since: new Date(since).toISOString() } : {}),
        ...(until ? { until: new Date(until).toISOString() } : {}),
      });
    },
  );
};
