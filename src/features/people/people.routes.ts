import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { InvalidRequest } from '../../errors.js';
import { callerOf, GROUP, OPEN } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import type { NotablePeopleService, ReferencePhoto } from './notable-people.service.js';
import { readPhotoPart } from './photo-input.js';
import type { WhoService } from './who.service.js';

export interface PeopleRoutesOptions {
  notablePeople: NotablePeopleService;
  who: WhoService;
  /** The largest photo accepted, in bytes (413 above). */
  maxPhotoBytes: number;
}

const Box = Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() });
const NotablePersonSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()]),
  photoCount: Type.Integer(),
  createdAt: Type.String(),
});
const NewPersonBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri', pattern: '^https?://' })),
  },
  { additionalProperties: false },
);
const WhoAnswer = Type.Object({
  faces: Type.Array(
    Type.Object({
      box: Box,
      match: Type.Union([
        Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), url: Type.Optional(Type.String()), similarity: Type.Number() }),
        Type.Null(),
      ]),
      searchUrl: Type.Optional(Type.String()),
    }),
  ),
  message: Type.String(),
});

/** The photo parts of a multipart request, each read whole up to the limit. */
async function* photoParts(request: FastifyRequest, maxBytes: number, maxPhotos: number): AsyncIterable<ReferencePhoto> {
  if (!request.isMultipart()) throw new InvalidRequest('Send the photo as multipart/form-data, in a part named "photo".');
  for await (const part of request.parts({ limits: { fileSize: maxBytes, fields: 0, files: maxPhotos } })) {
    if (part.type !== 'file') throw new InvalidRequest('Only parts named "photo" are accepted.');
    yield { name: part.filename || 'photo', bytes: await readPhotoPart(part, maxBytes) };
  }
}

export const peopleRoutes: FastifyPluginAsyncTypebox<PeopleRoutesOptions> = async (app, { notablePeople, who, maxPhotoBytes }) => {
  const admin = { access: GROUP('admin', 'admin') };

  app.get(
    '/admin/notable-people',
    { config: admin, schema: { tags: ['people'], summary: 'The notable people /who can name', response: { 200: Type.Object({ items: Type.Array(NotablePersonSchema) }), ...errorResponses(401, 403) } } },
    async () => ({ items: await notablePeople.list() }),
  );

  app.post(
    '/admin/notable-people',
    { config: admin, schema: { tags: ['people'], summary: 'Add a notable person (then their reference photos)', body: NewPersonBody, response: { 201: NotablePersonSchema, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      const person = await notablePeople.create(callerOf(request), request.body, originOf(request));
      return reply.status(201).send(person);
    },
  );

  app.post(
    '/admin/notable-people/:id/photos',
    {
      config: admin,
      schema: {
        tags: ['people'],
        summary: 'Add reference photos (multipart, parts named "photo"); the largest face of each is kept, not the photo',
        consumes: ['multipart/form-data'],
        params: IdParams,
        response: { 201: Type.Object({ faces: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const faces = await notablePeople.addPhotos(callerOf(request), request.params.id, photoParts(request, maxPhotoBytes, 20), originOf(request));
      return reply.status(201).send({ faces });
    },
  );

  app.delete(
    '/admin/notable-people/:id',
    { config: admin, schema: { tags: ['people'], summary: 'Remove a notable person and their reference faces', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await notablePeople.delete(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/who',
    {
      config: { access: OPEN },
      schema: {
        tags: ['people'],
        summary: 'Whether "who is this?" is on, for anyone. Asked by the /who page as it opens; the face model starts loading then, as a photo usually follows.',
        response: { 200: Type.Object({ enabled: Type.Boolean() }) },
      },
    },
    () => who.status(),
  );

  app.post(
    '/who',
    {
      config: { access: OPEN },
      schema: {
        tags: ['people'],
        summary: 'Who is in this photo? For anyone, no account: each face with the notable person it matches, or null. Nothing is stored.',
        consumes: ['multipart/form-data'],
        response: { 200: WhoAnswer, ...errorResponses(400, 404, 413, 415, 429, 503) },
      },
    },
    async (request) => {
      // The attempt is counted before the upload is read, so a refused client costs nothing.
      await who.admit(request.ip);
      let answered: Awaited<ReturnType<WhoService['identify']>> | undefined;
      for await (const photo of photoParts(request, maxPhotoBytes, 1)) answered = await who.identify(photo.bytes, photo.name);
      if (!answered) throw new InvalidRequest('Attach a photo in a part named "photo".', [{ field: 'photo', message: 'Missing.', reason: 'missing' }]);
      // Counts only: never the photo, the faces or who was recognised.
      request.log.info({ faces: answered.length, recognised: answered.filter((face) => face.match).length }, 'who answered');
      return { faces: answered, message: sentence(answered) };
    },
  );
};

function sentence(faces: { match: unknown }[]): string {
  if (faces.length === 0) return 'No face was found in this photo.';
  const recognised = faces.filter((face) => face.match).length;
  const found = faces.length === 1 ? 'One face found' : `${faces.length} faces found`;
  if (recognised === 0) return `${found}; not recognised.`;
  return `${found}; ${recognised === faces.length ? (faces.length === 1 ? 'recognised' : 'all recognised') : `${recognised} recognised`}.`;
}
