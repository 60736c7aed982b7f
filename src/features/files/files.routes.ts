import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from '../../errors.js';
import { AUTH, callerOf, OBJECT, type Caller } from '../../plugins/access.js';
import { watchUploadProgress } from '../../plugins/bodies.js';
import { originOf } from '../request-origin.js';
import { loadedFile } from '../access/access.service.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import { sendContent, startsDownload } from './content.js';
import { permissionsOf, toFileJson } from './file-json.js';
import { BulkDeleteBody, ContentQuery, FileList, FilePage, FileSchema, ListQuery, RenameBody, Timeline, TimelineQuery } from './files.schemas.js';
import type { FilePage as Page, FilesService, UploadPart } from './files.service.js';


/**
 * A page's JSON, made once per page object and what the caller may do with its files: the
 * service hands back the same object while the page is unchanged (listing-cache.ts), and
 * serializing 50 files cost as much as reading them.
 */
const pageJsons = new WeakMap<Page, Map<string, string>>();

function pageJson(page: Page, caller: Caller, serialize: (body: unknown) => string): string {
  // A listing holds only the caller's own files: what they may do is the same for each.
  const { write, share } = permissionsOf({ ownerId: caller.user.id }, caller);
  const rights = `${write} ${share}`;
  let byRights = pageJsons.get(page);
  if (!byRights) pageJsons.set(page, (byRights = new Map()));
  let json = byRights.get(rights);
  if (json === undefined) {
    json = serialize({ items: page.items.map((file) => toFileJson(file, caller)), nextCursor: page.nextCursor });
    byRights.set(rights, json);
  }
  return json;
}

export interface FilesRoutesOptions {
  files: FilesService;
  maxUploadBytes: number;
  /** An upload that sends (almost) nothing for this long is aborted. */
  uploadIdleTimeoutMs: number;
}


/**
 * Only parts named `file` are accepted; anything else is a 400 before it is stored. An
 * upload that stalls (see watchUploadProgress) fails with a 408: the part being stored is
 * destroyed, so its temporary blob is removed, and no further part is waited for.
 */
async function* fileParts(request: FastifyRequest, maxUploadBytes: number, idleTimeoutMs: number): AsyncIterable<UploadPart> {
  const watch = watchUploadProgress(request, idleTimeoutMs);
  let current: Readable | undefined;
  watch.stalled.catch((error: unknown) => current?.destroy(error as Error));
  const parts = request.parts({ limits: { fileSize: maxUploadBytes, fields: 0, files: 100 } })[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([parts.next(), watch.stalled]);
      if (next.done) return;
      const part = next.value;
      if (part.type !== 'file' || part.fieldname !== 'file') {
        if (part.type === 'file') part.file.resume();
        throw new InvalidRequest('Only parts named "file" are accepted.', [{ field: part.fieldname, message: `"${part.fieldname}" is not an accepted part.`, reason: 'unexpected' }]);
      }
      current = part.file;
      yield { filename: part.filename, stream: part.file };
    }
  } finally {
    watch.stop();
  }
}

export const filesRoutes: FastifyPluginAsyncTypebox<FilesRoutesOptions> = async (app, { files, maxUploadBytes, uploadIdleTimeoutMs }) => {
  app.get(
    '/files',
    { config: { access: AUTH('files:read') }, schema: { tags: ['files'], summary: 'List your files, newest first unless sort/order say otherwise', querystring: ListQuery, response: { 200: FilePage, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const caller = callerOf(request);
      const page = await files.list(caller.user.id, request.query);
      const json = pageJson(page, caller, (body) => reply.serialize(body) as string);
      // Fastify sends a string with a JSON content type as it is (the schema made it above).
      return reply.type('application/json; charset=utf-8').send(json as unknown as Static<typeof FilePage>);
    },
  );

  app.get(
    '/timeline',
    {
      config: { access: AUTH('files:read') },
      schema: { tags: ['files'], summary: 'How many of your files were taken in each month (UTC), newest first', querystring: TimelineQuery, response: { 200: Timeline, ...errorResponses(400, 401) } },
    },
    async (request) => ({ buckets: await files.timeline(callerOf(request).user.id, request.query.kind) }),
  );

  app.post(
    '/files',
    {
      config: { access: AUTH('files:write'), requireVerifiedEmail: true },
      schema: {
        tags: ['files'],
        summary: 'Upload one or more files (multipart/form-data, parts named "file")',
        consumes: ['multipart/form-data'],
        response: { 201: FileList, ...errorResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new InvalidRequest('Send the files as multipart/form-data, in parts named "file".');
      const caller = callerOf(request);
      const stored = await files.upload(caller, fileParts(request, maxUploadBytes, uploadIdleTimeoutMs), originOf(request));
      return reply.status(201).send({ items: stored.map((file) => ({ ...toFileJson(file, caller), ...(file.duplicateOf ? { duplicateOf: file.duplicateOf } : {}) })) });
    },
  );

  app.get(
    '/files/:id',
    { config: { access: OBJECT('file', 'id', 'read', 'files:read') }, schema: { tags: ['files'], summary: 'One file', params: IdParams, response: { 200: FileSchema, ...errorResponses(401, 404) } } },
    async (request) => toFileJson(loadedFile(request).file, callerOf(request)),
  );

  app.patch(
    '/files/:id',
    {
      config: { access: OBJECT('file', 'id', 'write', 'files:write') },
      schema: { tags: ['files'], summary: 'Rename a file', params: IdParams, body: RenameBody, response: { 200: FileSchema, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toFileJson(await files.rename(callerOf(request).user.id, request.params.id, request.body.name), callerOf(request)),
  );

  app.delete(
    '/files/:id',
    { config: { access: OBJECT('file', 'id', 'write', 'files:write') }, schema: { tags: ['files'], summary: 'Delete a file', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await files.delete(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/files/bulk-delete',
    {
      config: { access: AUTH('files:write') },
      schema: { tags: ['files'], summary: 'Delete several files, all or none (every id checked in one query)', body: BulkDeleteBody, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      await files.deleteMany(callerOf(request), request.body.ids, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/files/:id/content',
    {
      config: { access: OBJECT('file', 'id', 'read', 'files:read') },
      schema: { tags: ['files'], summary: 'The stored bytes (Range, ETag)', params: IdParams, querystring: ContentQuery, response: errorResponses(401, 404, 416) },
    },
    async (request, reply) => {
      const { file } = loadedFile(request);
      const download = request.query.download === '1' || request.query.download === 'true';
      // Downloads are audited once (see startsDownload); inline playback is not.
      if (download && startsDownload(request)) files.recordDownload(callerOf(request), file, originOf(request));
      return sendContent(request, reply, file, files.contentSource(file), download ? 'attachment' : 'inline');
    },
  );

  app.get(
    '/files/:id/thumbnail',
    { config: { access: OBJECT('file', 'id', 'read', 'files:read') }, schema: { tags: ['files'], summary: 'A WebP thumbnail, where one exists', params: IdParams, response: errorResponses(401, 404) } },
    async (request, reply) => {
      const { file } = loadedFile(request);
      const thumbnail = await files.thumbnail(file);
      return reply
        .headers({ 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=86400', 'X-Content-Type-Options': 'nosniff', ETag: `"${file.sha256}-t"` })
        .send(thumbnail);
    },
  );
};
