import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AUTH, callerOf, OBJECT, OPEN } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { sendContent, startsDownload } from '../files/content.js';
import { toFileJson } from '../files/file-json.js';
import { FileSchema } from '../files/files.schemas.js';
import type { FilesService, StoredFile } from '../files/files.service.js';
import { DateTime, errorResponses, IdParams } from '../shared.schemas.js';
import type { Link, SharingService } from './sharing.service.js';

export interface SharingRoutesOptions {
  sharing: SharingService;
  files: FilesService;
  /** The address links are built on (PUBLIC_URL or the listen address, never the Host header). */
  publicUrl: () => string;
}

const UNLOCK_COOKIE = 'coffer_link';
const UNLOCK_TTL_SECONDS = 3600;

const ShareSchema = Type.Object({ fileId: Type.String(), username: Type.String(), name: Type.String(), createdAt: Type.String() });
const LinkSchema = Type.Object({ id: Type.String(), url: Type.String(), createdAt: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]), hasPassword: Type.Boolean(), views: Type.Integer(), includeLocation: Type.Boolean({ description: 'Visitors get the photo\'s location (GPS) in its bytes and metadata' }) });
const TokenParams = Type.Object({ token: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const ContentQuery = Type.Object({ download: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });
const PageQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

/** A file shared with the caller: the file as they see it, when and by whom it was shared. */
const SharedFileSchema = Type.Object({ ...FileSchema.properties, sharedAt: Type.String({ format: 'date-time' }), owner: Type.String() });
/** A link's file as a visitor sees it (publicFileJson). */
const PublicFileSchema = Type.Object({
  ...Type.Omit(FileSchema, ['id', 'urls', 'processing']).properties,
  urls: Type.Object({ content: Type.String(), download: Type.String() }),
});

/**
 * A link's file as a visitor sees it: no id, owner or processing state, addresses under the
 * link, and no location unless the link includes it.
 */
function publicFileJson(token: string, file: StoredFile, includeLocation: boolean) {
  const { id: _id, urls: _ownerUrls, processing: _processing, metadata, ...json } = toFileJson(file, null);
  const { location: _location, ...withoutLocation } = metadata;
  const content = `/api/v1/links/${token}/content`;
  return { ...json, metadata: includeLocation ? metadata : withoutLocation, urls: { content, download: `${content}?download=1` } };
}

export const sharingRoutes: FastifyPluginAsyncTypebox<SharingRoutesOptions> = async (app, { sharing, files, publicUrl }) => {
  const linkJson = (link: Link) => ({ id: link.id, url: `${publicUrl()}/s/${link.token}`, createdAt: link.createdAt, expiresAt: link.expiresAt, hasPassword: link.hasPassword, views: link.views, includeLocation: link.includeLocation });

  app.post(
    '/files/:id/shares',
    {
      config: { access: OBJECT('file', 'id', 'write', 'shares:write'), requireVerifiedEmail: true },
      schema: { tags: ['sharing'], summary: 'Share a file (read-only) with another user', params: IdParams, body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 201: Type.Object({ share: ShareSchema }), ...errorResponses(400, 401, 403, 404, 409) } },
    },
    async (request, reply) => {
      const share = await sharing.share(callerOf(request), request.params.id, request.body.username, originOf(request));
      return reply.status(201).send({ share });
    },
  );

  app.get(
    '/files/:id/shares',
    { config: { access: OBJECT('file', 'id', 'write', 'files:read') }, schema: { tags: ['sharing'], summary: 'Who a file is shared with', params: IdParams, response: { 200: Type.Object({ items: Type.Array(ShareSchema) }), ...errorResponses(401, 403, 404) } } },
    async (request) => ({ items: await sharing.listShares(callerOf(request), request.params.id) }),
  );

  app.delete(
    '/files/:id/shares/:username',
    {
      config: { access: OBJECT('file', 'id', 'write', 'shares:write') },
      schema: { tags: ['sharing'], summary: 'Stop sharing a file with a user', params: Type.Object({ id: Type.String({ format: 'uuid' }), username: Type.String({ maxLength: 64 }) }, { additionalProperties: false }), response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      await sharing.unshare(callerOf(request), request.params.id, request.params.username, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/shared-with-me',
    { config: { access: AUTH('files:read') }, schema: { tags: ['sharing'], summary: 'Files other users shared with you', querystring: PageQuery, response: { 200: Type.Object({ items: Type.Array(SharedFileSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401) } } },
    async (request) => {
      const page = await sharing.sharedWith(callerOf(request).user.id, request.query.limit, request.query.cursor);
      const caller = callerOf(request);
      return { items: page.items.map((file) => ({ ...toFileJson(file, caller), sharedAt: file.sharedAt, owner: file.ownerUsername })), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/files/:id/links',
    {
      config: { access: OBJECT('file', 'id', 'write', 'shares:write'), requireVerifiedEmail: true },
      schema: {
        tags: ['sharing'],
        summary: 'Create a public link, optionally expiring and with a password; the photo\'s location is left out unless includeLocation',
        params: IdParams,
        body: Type.Object(
          {
            expiresAt: Type.Optional(DateTime()),
            password: Type.Optional(Type.String({ maxLength: 1024 })),
            includeLocation: Type.Optional(Type.Boolean({ default: false, description: 'Serve the photo with its GPS location (off: it is edited out of the bytes and the metadata)' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ link: LinkSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const link = await sharing.createLink(callerOf(request), request.params.id, request.body, originOf(request));
      return reply.status(201).send({ link: linkJson(link) });
    },
  );

  app.get(
    '/files/:id/links',
    { config: { access: OBJECT('file', 'id', 'write', 'files:read') }, schema: { tags: ['sharing'], summary: 'The live public links of a file', params: IdParams, response: { 200: Type.Object({ items: Type.Array(LinkSchema) }), ...errorResponses(401, 403, 404) } } },
    async (request) => ({ items: (await sharing.listLinks(callerOf(request), request.params.id)).map((link) => linkJson(link)) }),
  );

  app.delete(
    '/links/:id',
    { config: { access: OBJECT('link', 'id', 'write', 'shares:write') }, schema: { tags: ['sharing'], summary: 'Revoke a public link', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await sharing.revokeLink(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  /** The visitor's proof for a link: the address (for the password limits), the unlock cookie, the password header. */
  const visitor = (request: FastifyRequest) => ({
    ip: request.ip,
    unlockCookie: request.cookies[UNLOCK_COOKIE],
    ...(typeof request.headers['x-link-password'] === 'string' ? { password: request.headers['x-link-password'] } : {}),
  });

  app.get(
    '/links/:token',
    { config: { access: OPEN }, schema: { tags: ['sharing'], summary: 'A public link\'s file (password in X-Link-Password)', params: TokenParams, response: { 200: Type.Object({ file: PublicFileSchema }), ...errorResponses(401, 404, 429) } } },
    async (request) => {
      const { link, file } = await sharing.view(request.params.token, visitor(request));
      return { file: publicFileJson(request.params.token, file, link.includeLocation) };
    },
  );

  app.post(
    '/links/:token/unlock',
    {
      config: { access: OPEN },
      schema: { tags: ['sharing'], summary: 'Check a link password and remember it in a cookie for an hour (for players)', params: TokenParams, body: Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }), response: { 204: { type: 'null' }, ...errorResponses(400, 401, 404, 429) } },
    },
    async (request, reply) => {
      const { link } = await sharing.open(request.params.token, { ip: request.ip, password: request.body.password });
      reply.setCookie(UNLOCK_COOKIE, sharing.unlockCookie(link.id, UNLOCK_TTL_SECONDS), { path: `/api/v1/links/${request.params.token}`, httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: UNLOCK_TTL_SECONDS });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/links/:token/content',
    { config: { access: OPEN }, schema: { tags: ['sharing'], summary: 'A public link\'s bytes (Range, ETag), as /files/:id/content', params: TokenParams, querystring: ContentQuery, response: errorResponses(401, 403, 404, 416, 429, 503) } },
    async (request, reply) => {
      const { link, file } = await sharing.open(request.params.token, visitor(request));
      const download = request.query.download === '1' || request.query.download === 'true';
      if (download && startsDownload(request)) sharing.recordDownload(link, file, originOf(request));
      if (link.includeLocation) return sendContent(request, reply, file, files.contentSource(file), download ? 'attachment' : 'inline');
      const { source, etag } = await files.contentWithoutLocation(file);
      return sendContent(request, reply, { ...file, ...(etag ? { etag } : {}) }, source, download ? 'attachment' : 'inline');
    },
  );
};
