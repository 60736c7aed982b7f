import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GROUP } from '../../plugins/access.js';
import { errorResponses } from '../shared.schemas.js';
import { AdminStatus } from './status.schemas.js';
import type { StorageStatus } from './status.service.js';

export interface StatusRoutesOptions {
  storageStatus: () => Promise<StorageStatus>;
}

export const statusRoutes: FastifyPluginAsyncTypebox<StatusRoutesOptions> = async (app, { storageStatus }) => {
  app.get(
    '/admin/status',
    {
      config: { access: GROUP('admin', 'admin') },
      schema: { tags: ['administration'], summary: 'Free space of the blob store, and whether it is low', response: { 200: AdminStatus, ...errorResponses(401, 403) } },
    },
    async () => ({ storage: await storageStatus() }),
  );
};
