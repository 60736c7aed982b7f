import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf, GROUP } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses } from '../shared.schemas.js';
import { JobsOverview, JobsQuery, RetryBody, RetryResult } from './jobs.schemas.js';
import type { JobsAdminService } from './jobs-admin.service.js';

export interface JobsRoutesOptions {
  jobs: JobsAdminService;
}

export const jobsRoutes: FastifyPluginAsyncTypebox<JobsRoutesOptions> = async (app, { jobs }) => {
  const admin = { access: GROUP('admin', 'admin') };

  app.get(
    '/admin/jobs',
    { config: admin, schema: { tags: ['administration'], summary: 'Background jobs: queue depth, running and failed jobs', querystring: JobsQuery, response: { 200: JobsOverview, ...errorResponses(400, 401, 403) } } },
    async (request) => {
      const { status, limit } = request.query;
      return jobs.overview(callerOf(request), status ? [status] : ['running', 'failed'], limit, originOf(request));
    },
  );

  app.post(
    '/admin/jobs/retry',
    {
      config: admin,
      schema: { tags: ['administration'], summary: 'Queue failed jobs again (all, or those named by `ids`), with a fresh count of attempts', body: RetryBody, response: { 200: RetryResult, ...errorResponses(400, 401, 403) } },
    },
    async (request) => {
      return { retried: await jobs.retry(callerOf(request), request.body?.ids, originOf(request)) };
    },
  );
};
