import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GROUP } from '../../plugins/access.js';
import { errorResponses } from '../shared.schemas.js';
import { InstanceList } from './instances.schemas.js';
import type { InstancesService } from './instances.service.js';

export interface InstancesRoutesOptions {
  instances: InstancesService;
}

export const instancesRoutes: FastifyPluginAsyncTypebox<InstancesRoutesOptions> = async (app, { instances }) => {
  app.get(
    '/admin/instances',
    {
      config: { access: GROUP('admin', 'admin') },
      schema: { tags: ['administration'], summary: 'The Coffer instances and whether each is alive (heartbeat within 30 s)', response: { 200: InstanceList, ...errorResponses(401, 403) } },
    },
    async () => ({ items: await instances.list() }),
  );
};
