import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, GROUP } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import type { AdminUsersService } from './users.service.js';

const ListQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 100 })), cursor: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) },
  { additionalProperties: false },
);
const UserSummary = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  email: Type.String(),
  isAdmin: Type.Boolean(),
  createdAt: Type.String(),
  disabled: Type.Boolean(),
  emailVerified: Type.Boolean(),
  emailSuppressed: Type.Boolean(),
  storageBytes: Type.Integer(),
});
const UpdateBody = Type.Object({ disabled: Type.Optional(Type.Boolean()), isAdmin: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 });

export const adminUsersRoutes: FastifyPluginAsyncTypebox<{ users: AdminUsersService }> = async (app, { users }) => {
  const admin = { access: GROUP('admin', 'admin') };

  app.get(
    '/admin/users',
    { config: admin, schema: { tags: ['administration'], summary: 'Users with their storage use', querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(UserSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) } } },
    async (request) => users.list(request.query),
  );

  app.patch(
    '/admin/users/:id',
    { config: admin, schema: { tags: ['administration'], summary: 'Disable or enable a user, grant or remove administrator rights', params: IdParams, body: UpdateBody, response: { 200: Type.Object({ user: Type.Ref('User') }), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      return { user: await users.update(callerOf(request), request.params.id, request.body, originOf(request)) };
    },
  );

  app.post(
    '/admin/users/:id/sign-out',
    { config: admin, schema: { tags: ['administration'], summary: 'End every session and JWT of a user', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await users.signOut(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/admin/users/:id/links',
    {
      config: admin,
      schema: { tags: ['administration'], summary: 'Revoke every public link to the files of a user (their own shares with other users stay)', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      await users.revokeLinks(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );
};
