import { useInstances } from '../../api/queries';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../api/api';
import { formatAgo, formatDateTimeShort, formatRelative } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { useSession } from '../../session/session';


export function InstancesTab() {
  const { t, locale } = useI18n();
  const { instance: servingId } = useSession();
  const instances = useInstances();
  const now = useNow(1000);

  if (instances.isPending) {
    return <CardLoading className="card card-loading" />;
  }
  if (instances.isError && instances.error instanceof ApiError && instances.error.status === 404) {
    // An older server has no registry at all: that is not an error.
    return (
      <CardEmpty icon="server" title={t('instances.none.title')} className="card card-empty" testId="instances-unsupported">
        {t('instances.none.body')}
      </CardEmpty>
    );
  }
  if (instances.isError) {
    return <ErrorNotice lead={t('instances.loadError')} error={instances.error} onRetry={() => void instances.refetch()} />;
  }
  const items = instances.data;
  if (items.length === 0) {
    return (
      <CardEmpty icon="server" className="card card-empty">
        {t('instances.empty')}
      </CardEmpty>
    );
  }

  return (
    <section className="admin-section" aria-label={t('admin.tab.instances')}>
      <ul className="instance-list">
        {items.map((instance) => (
          <li key={instance.id} className={`instance${instance.healthy ? '' : ' instance--down'}`} data-testid="instance-row">
            <span className={`dot dot--large ${instance.healthy ? 'dot--ok dot--pulse' : 'dot--down'}`} aria-hidden="true" />
            <div className="instance-main">
              <div className="instance-title">
                <strong className="mono">{instance.id}</strong>
                {instance.id === servingId && <span className="badge badge--accent">{t('instances.serving')}</span>}
              </div>
              <span className="instance-sub">
                {instance.host}:{instance.port} · {t('instances.col.pid')} {instance.pid}
              </span>
            </div>
            <dl className="instance-facts">
              <div>
                <dt>{t('instances.col.status')}</dt>
                <dd className={instance.healthy ? 'text-ok' : 'text-down'}>{instance.healthy ? t('instances.healthy') : t('instances.unhealthy')}</dd>
              </div>
              <div>
                <dt>{t('instances.col.heartbeat')}</dt>
                <dd>
                  <time dateTime={instance.lastHeartbeatAt} title={formatDateTimeShort(instance.lastHeartbeatAt, locale)}>
                    {formatRelative(instance.lastHeartbeatAt, locale, Math.max(now, Date.parse(instance.lastHeartbeatAt)), 'narrow')}
                  </time>
                </dd>
              </div>
              <div>
                <dt>{t('instances.col.started')}</dt>
                <dd>
                  <time dateTime={instance.startedAt} title={formatDateTimeShort(instance.startedAt, locale)}>
                    {formatAgo(instance.startedAt, locale, now, 0, 'narrow') ?? t('time.justNow')}
                  </time>
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}
