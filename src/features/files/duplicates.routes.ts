import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTH, callerOf } from '../../plugins/access.js';
import { errorResponses } from '../shared.schemas.js';
import type { DuplicatesService } from './duplicates.js';
import { toFileJson } from './file-json.js';
import { DuplicateGroupPage, DuplicatesQuery } from './files.schemas.js';

export const duplicatesRoutes: FastifyPluginAsyncTypebox<{ duplicates: DuplicatesService }> = async (app, { duplicates }) => {
  app.get(
    '/files/duplicates',
    {
      // Only the caller's own files: what is shared with them is someone else's to tidy.
      config: { access: AUTH('files:read') },
      schema: {
        tags: ['files'],
        summary: 'Your files grouped by identical bytes (same size and SHA-256), largest first, so you can keep one',
        querystring: DuplicatesQuery,
        response: { 200: DuplicateGroupPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const page = await duplicates.groups(caller.user.id, request.query);
      return { items: page.items.map((group) => ({ ...group, files: group.files.map((file) => toFileJson(file, caller)) })), nextCursor: page.nextCursor };
    },
  );
};
