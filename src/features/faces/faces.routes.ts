import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidRequest } from '../../errors.js';
import { AUTH, callerOf, OBJECT } from '../../plugins/access.js';
import { loadedFile } from '../access/access.service.js';
import { originOf } from '../request-origin.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import type { PeopleService } from './people.service.js';

const Box = Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() });
const Named = Type.Object({ id: Type.String(), name: Type.String() });
const FaceSchema = Type.Object({
  id: Type.String(),
  fileId: Type.String(),
  box: Box,
  person: Type.Union([Named, Type.Null()]),
  similarity: Type.Union([Type.Number(), Type.Null()]),
  suggestion: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), similarity: Type.Number() }), Type.Null()]),
});
const CoverFace = Type.Union([Type.Object({ id: Type.String(), fileId: Type.String(), box: Box }), Type.Null()]);
const PersonSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  link: Type.Union([Type.String(), Type.Null()]),
  hidden: Type.Boolean(),
  faceCount: Type.Integer(),
  fileCount: Type.Integer(),
  coverFace: CoverFace,
  createdAt: Type.String(),
});
const PersonEnvelope = Type.Object({ person: PersonSchema });
const FaceEnvelope = Type.Object({ face: FaceSchema });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Link = Type.String({ maxLength: 2000, format: 'uri', pattern: '^https?://' });
const Uuid = Type.String({ format: 'uuid' });

/** API.md "People": a user's faces and the people they name — only ever their own. */
export const facesRoutes: FastifyPluginAsyncTypebox<{ people: PeopleService }> = async (app, { people }) => {
  app.get(
    '/files/:id/faces',
    {
      config: { access: OBJECT('file', 'id', 'read', 'files:read') },
      schema: { tags: ['people'], summary: 'The faces found in a file (names only for its owner)', params: IdParams, response: { 200: Type.Object({ items: Type.Array(FaceSchema) }), ...errorResponses(401, 404) } },
    },
    async (request) => ({ items: await people.facesOfFile(callerOf(request).user.id, loadedFile(request).file) }),
  );

  app.get(
    '/people',
    {
      config: { access: AUTH('files:read') },
      schema: {
        tags: ['people'],
        summary: 'Your people, by name, with counts and a cover face',
        querystring: Type.Object({ hidden: Type.Optional(Type.Boolean({ description: 'include hidden people' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(PersonSchema), nextCursor: Type.Null() }), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({ items: await people.list(callerOf(request).user.id, request.query.hidden ?? false), nextCursor: null }),
  );

  app.get(
    '/people/clusters',
    {
      config: { access: AUTH('files:read') },
      schema: {
        tags: ['people'],
        summary: 'Groups of unnamed faces that look alike, largest first (name one with POST /people {faceIds})',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), faceCount: Type.Integer(), faceIds: Type.Array(Type.String()), coverFace: CoverFace })), nextCursor: Type.Null() }),
          ...errorResponses(400, 401),
        },
      },
    },
    async (request) => ({ items: await people.clusters(callerOf(request).user.id, request.query.limit), nextCursor: null }),
  );

  app.get(
    '/people/:id',
    { config: { access: AUTH('files:read') }, schema: { tags: ['people'], summary: 'One of your people', params: IdParams, response: { 200: PersonEnvelope, ...errorResponses(401, 404) } } },
    async (request) => ({ person: await people.get(callerOf(request).user.id, request.params.id) }),
  );

  app.post(
    '/people',
    {
      config: { access: AUTH('files:write') },
      schema: {
        tags: ['people'],
        summary: 'Name a person from one or more of your faces; your other faces that match are attached or suggested',
        body: Type.Object({ name: Name, link: Type.Optional(Link), faceIds: Type.Array(Uuid, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
        response: { 201: PersonEnvelope, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const person = await people.create(callerOf(request), request.body, originOf(request));
      return reply.status(201).send({ person });
    },
  );

  app.patch(
    '/people/:id',
    {
      config: { access: AUTH('files:write') },
      schema: {
        tags: ['people'],
        summary: 'Rename, link, hide or choose the cover face of a person',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), link: Type.Optional(Type.Union([Link, Type.Null()])), hidden: Type.Optional(Type.Boolean()), coverFaceId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: PersonEnvelope, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ person: await people.update(callerOf(request).user.id, request.params.id, request.body) }),
  );

  app.delete(
    '/people/:id',
    { config: { access: AUTH('files:write') }, schema: { tags: ['people'], summary: 'Delete a person; their faces become unnamed', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await people.delete(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/people/:id/merge',
    {
      config: { access: AUTH('files:write') },
      schema: {
        tags: ['people'],
        summary: 'Merge other people into this one: their faces become its, they are deleted',
        params: IdParams,
        body: Type.Object({ ids: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: { 200: PersonEnvelope, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ person: await people.merge(callerOf(request).user.id, request.params.id, request.body.ids) }),
  );

  app.put(
    '/faces/:id/person',
    {
      config: { access: AUTH('files:write') },
      schema: {
        tags: ['people'],
        summary: 'Name a face: {personId} (confirms a suggestion), {name} (a new or existing person by name), or {personId: null} to unname it',
        params: IdParams,
        body: Type.Object({ personId: Type.Optional(Type.Union([Uuid, Type.Null()])), name: Type.Optional(Name) }, { additionalProperties: false }),
        response: { 200: FaceEnvelope, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { personId, name } = request.body;
      if ((personId === undefined) === (name === undefined)) throw new InvalidRequest('Give either personId or name.', [{ field: 'personId', message: 'Give either personId or name, not both.' }]);
      return { face: await people.assign(callerOf(request).user.id, request.params.id, request.body) };
    },
  );

  app.delete(
    '/faces/:id/suggestion',
    {
      config: { access: AUTH('files:write') },
      schema: { tags: ['people'], summary: 'Reject the person suggested for a face; it is not suggested again', params: IdParams, response: { 200: FaceEnvelope, ...errorResponses(401, 403, 404) } },
    },
    async (request) => ({ face: await people.rejectSuggestion(callerOf(request).user.id, request.params.id) }),
  );
};
