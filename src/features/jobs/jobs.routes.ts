import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf, GROUP } from '../../plugins/access.js';
import { origin, type AuditLog } from '../audit/audit.log.js';
import { errorResponses } from '../shared.schemas.js';
import { JobsOverview, JobsQuery, RetryBody, RetryResult } from './jobs.schemas.js';
import type { JobsService } from './jobs.service.js';

export interface JobsRoutesOptions {
  jobs: JobsService;
  audit: AuditLog;
}

export const jobsRoutes: FastifyPluginAsyncTypebox<JobsRoutesOptions> = async (app, { jobs, audit }) => {
  const admin = { access: GROUP('admin', 'admin') };

  app.get(
    '/admin/jobs',
    { config: admin, schema: { tags: ['administration'], summary: 'Background jobs: queue depth, running and failed jobs', querystring: JobsQuery, response: { 200: JobsOverview, ...errorResponses(400, 401, 403) } } },
    async (request) => {
      const { status, limit } = request.query;
      const overview = await jobs.overview(status ? [status] : ['running', 'failed'], limit);
      audit.record({ action: 'admin.jobs_view', outcome: 'success', actor: callerOf(request).user, ...origin(request) });
      return overview;
    },
  );

  app.post(
    '/admin/jobs/retry',
    {
      config: admin,
      schema: { tags: ['administration'], summary: 'Queue failed jobs again (all, or those named by `ids`), with a fresh count of attempts', body: RetryBody, response: { 200: RetryResult, ...errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const ids = request.body?.ids;
      const retried = await jobs.retry(ids);
      audit.record({ action: 'admin.jobs_retry', outcome: 'success', actor: callerOf(request).user, details: { retried, ...(ids ? { ids } : { all: true }) }, ...origin(request) });
      return { retried };
    },
  );
};
