import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keys, useJobs } from '../../api/queries';
import { api, type JobsOverview } from '../../api/api';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { JobTable } from './JobTable';

/**
 * Administration → Jobs: how deep the queue is, what runs, and the jobs that failed for good
 * with their last error; retry one or all of them (GET /admin/jobs, POST /admin/jobs/retry).
 */
export function JobsTab() {
  const i18n = useI18n();
  const { t, tn } = i18n;
  const jobs = useJobs();
  const queries = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useMutation({
    mutationFn: async (ids?: string[]) => (await api.retryJobs(ids)).data.retried,
    onMutate: () => setNotice(null),
    onSuccess: (retried) => {
      setNotice(tn('jobs.retried', retried));
      // Retried files are pending again: the lists and open viewers say so.
      void queries.invalidateQueries({ queryKey: keys.jobs });
      void queries.invalidateQueries({ queryKey: keys.files });
      void queries.invalidateQueries({ queryKey: keys.shared });
    },
  });

  if (jobs.isPending) return <CardLoading className="card card-loading" />;
  if (jobs.isError) return <ErrorNotice lead={t('jobs.heading')} error={jobs.error} onRetry={() => void jobs.refetch()} />;
  const overview = jobs.data;

  return (
    <section className="admin-section" aria-label={t('admin.tab.jobs')} data-testid="jobs-admin">
      <p className="muted jobs-intro">{t('jobs.intro')}</p>
      <div className="admin-toolbar jobs-toolbar">
        <JobCounts overview={overview} />
        <button type="button" className="btn btn--ghost btn--small" data-testid="jobs-refresh" onClick={() => void jobs.refetch()} disabled={jobs.isFetching}>
          {jobs.isFetching ? <Spinner size={14} /> : <Icon name="refresh" size={15} />}
          {t('jobs.refresh')}
        </button>
        <button
          type="button"
          className="btn btn--primary btn--small"
          data-testid="jobs-retry-all"
          disabled={overview.failed === 0 || retry.isPending}
          onClick={() => retry.mutate(undefined)}
        >
          {t('jobs.retryAll')}
        </button>
      </div>

      {notice && (
        <div className="form-alert form-alert--success admin-notice" role="status" data-testid="jobs-notice">
          <Icon name="check" size={16} />
          <span>{notice}</span>
        </div>
      )}
      {retry.isError && (
        <p className="form-alert form-alert--error admin-notice" role="alert">
          {errorMessage(retry.error, i18n)}
        </p>
      )}

      <div className="card card--flush">
        {overview.items.length === 0 ? (
          <CardEmpty icon="check">{t('jobs.empty')}</CardEmpty>
        ) : (
          <div className="table-wrap">
            <JobTable jobs={overview.items} busy={retry.isPending} onRetry={(id) => retry.mutate([id])} />
          </div>
        )}
      </div>
      {overview.items.length > 0 && overview.items.length < overview.running + overview.failed && (
        <p className="muted">{t('jobs.shownOf', { shown: overview.items.length })}</p>
      )}
    </section>
  );
}

/** Waiting, running and failed, as three figures. */
function JobCounts({ overview }: { overview: JobsOverview }) {
  const { t, locale } = useI18n();
  const figures = [
    { key: 'waiting', label: t('jobs.waiting'), value: overview.waiting },
    { key: 'running', label: t('jobs.running'), value: overview.running },
    { key: 'failed', label: t('jobs.failed'), value: overview.failed },
  ] as const;
  return (
    <dl className="job-counts">
      {figures.map((figure) => (
        <div key={figure.key} className={`job-count job-count--${figure.key}${figure.key === 'failed' && figure.value > 0 ? ' is-alert' : ''}`}>
          <dt>{figure.label}</dt>
          <dd data-testid={`jobs-${figure.key}`}>{new Intl.NumberFormat(locale).format(figure.value)}</dd>
        </div>
      ))}
    </dl>
  );
}
