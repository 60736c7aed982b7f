import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import type { AuditLog } from '../audit/audit.log.js';
import type { JobsService } from './jobs.service.js';

/** What administrators do with the job queue (GET /admin/jobs, POST /admin/jobs/retry), audited. */
export class JobsAdminService {
  constructor(
    private readonly jobs: JobsService,
    private readonly audit: AuditLog,
  ) {}

  async overview(caller: Caller, statuses: Parameters<JobsService['overview']>[0], limit: number, origin: Origin): ReturnType<JobsService['overview']> {
    const overview = await this.jobs.overview(statuses, limit);
    this.audit.record({ action: 'admin.jobs_view', outcome: 'success', actor: caller.user, ...origin });
    return overview;
  }

  /** Failed jobs (all, or these ids) queued again; returns how many. */
  async retry(caller: Caller, ids: readonly string[] | undefined, origin: Origin): Promise<number> {
    const retried = await this.jobs.retry(ids);
    this.audit.record({ action: 'admin.jobs_retry', outcome: 'success', actor: caller.user, details: { retried, ...(ids ? { ids } : { all: true }) }, ...origin });
    return retried;
  }
}
