import type { Job } from '../../api/api';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { formatDateTimeShort } from '../../lib/format';
import { stepLabel } from '../../lib/steps';

interface JobTableProps {
  jobs: Job[];
  /** A retry is on its way: the buttons wait for it. */
  busy: boolean;
  onRetry(id: string): void;
}

/** Running and failed jobs, most recently changed first; failed ones can be retried. */
export function JobTable({ jobs, busy, onRetry }: JobTableProps) {
  const { t, locale } = useI18n();
  return (
    <table className="data-table job-table">
      <thead>
        <tr>
          <th scope="col">{t('jobs.col.file')}</th>
          <th scope="col">{t('jobs.col.step')}</th>
          <th scope="col">{t('jobs.col.status')}</th>
          <th scope="col" className="col-number">
            {t('jobs.col.attempts')}
          </th>
          <th scope="col">{t('jobs.col.lastError')}</th>
          <th scope="col">{t('jobs.col.updated')}</th>
          <th scope="col" className="col-actions">
            <span className="visually-hidden">{t('jobs.retry')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-testid="job-row" data-status={job.status} data-file={job.fileId}>
            <td className="mono" title={job.fileId}>
              {job.fileId.slice(0, 8)}
            </td>
            <td>{stepLabel(job.step, { t })}</td>
            <td>
              <span className={`badge${job.status === 'failed' ? ' badge--danger' : job.status === 'running' ? ' badge--accent' : ''}`}>{t(`jobs.status.${job.status}` as MessageKey)}</span>
            </td>
            <td className="col-number" data-testid="job-attempts">
              {job.attempts}
            </td>
            <td className="job-error" data-testid="job-error">
              {job.lastError ?? <span className="muted">{t('jobs.noError')}</span>}
            </td>
            <td>
              <time dateTime={job.updatedAt}>{formatDateTimeShort(job.updatedAt, locale)}</time>
            </td>
            <td className="col-actions">
              {job.status === 'failed' && (
                <button type="button" className="btn btn--secondary btn--small" data-testid="job-retry" disabled={busy} onClick={() => onRetry(job.id)}>
                  {t('jobs.retry')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
