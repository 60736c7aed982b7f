import { useEffect, useState } from 'react';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { ApiError, api, isAbort, type Instance } from '../../lib/api';
import { formatAgo, formatDateTimeShort, formatRelative } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { useSession } from '../../session/session';

const REFRESH_MS = 10_000;

type State = { status: 'loading' } | { status: 'unsupported' } | { status: 'error'; error: unknown } | { status: 'ready'; items: Instance[] };

export function InstancesTab() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const { instance: servingId } = useSession();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);
  const now = useNow(1000);

  // Heartbeats move on their own: look again every few seconds while the tab is open.
  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    const load = () => {
      api
        .instances(controller.signal)
        .then(({ data }) => {
          setState({ status: 'ready', items: data.items });
          timer = window.setTimeout(load, REFRESH_MS);
        })
        .catch((error: unknown) => {
          if (isAbort(error)) return;
          // An older server has no registry at all: that is not an error.
          if (error instanceof ApiError && error.status === 404) setState({ status: 'unsupported' });
          else setState({ status: 'error', error });
        });
    };
    load();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [reloads]);

  if (state.status === 'loading') {
    return (
      <div className="card card-loading">
        <Spinner label={t('app.loading')} size={24} />
      </div>
    );
  }
  if (state.status === 'unsupported') {
    return (
      <div className="card card-empty" data-testid="instances-unsupported">
        <span className="card-empty-icon" aria-hidden="true">
          <Icon name="server" size={22} />
        </span>
        <strong>{t('instances.none.title')}</strong>
        <p>{t('instances.none.body')}</p>
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="notice notice--error" role="alert">
        <Icon name="alert" size={20} />
        <span>
          {t('instances.loadError')} {errorMessage(state.error, i18n)}
        </span>
        <button type="button" className="btn btn--secondary" onClick={() => setReloads((count) => count + 1)}>
          {t('error.retry')}
        </button>
      </div>
    );
  }
  if (state.items.length === 0) {
    return (
      <div className="card card-empty">
        <span className="card-empty-icon" aria-hidden="true">
          <Icon name="server" size={22} />
        </span>
        <p>{t('instances.empty')}</p>
      </div>
    );
  }

  return (
    <section className="admin-section" aria-label={t('admin.tab.instances')}>
      <ul className="instance-list">
        {state.items.map((instance) => (
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
