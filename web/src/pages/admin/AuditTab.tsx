import { useCallback, useMemo, useState } from 'react';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { api, type AuditEvent, type AuditFilters } from '../../lib/api';
import { dateInputToIso, formatDateTimeShort } from '../../lib/format';
import { usePagedList } from '../../lib/usePagedList';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { PagedTable } from './PagedTable';

const PAGE_SIZE = 50;

/** Families first ("auth." matches every auth.* action), then the single actions. */
const FAMILIES = ['account.', 'auth.', 'token.', 'file.', 'share.', 'link.', 'admin.', 'cli.'] as const;
const ACTIONS = [
  'account.register',
  'auth.login',
  'auth.logout',
  'auth.logout_everywhere',
  'auth.password_change',
  'token.create',
  'token.first_use',
  'token.revoke',
  'file.upload',
  'file.download',
  'file.delete',
  'share.create',
  'share.revoke',
  'link.create',
  'link.revoke',
  'link.download',
  'admin.user_update',
  'admin.sign_out',
  'cli.user_create',
  'cli.user_import',
] as const;

/** `{with: "bob", scopes: ["files:read"]}` → "with: bob · scopes: files:read". */
function compactDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  if (Array.isArray(details)) return details.map((item) => compactDetails(item)).join(', ');
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => {
      const shown = Array.isArray(value) ? value.join(', ') : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
      return `${key}: ${shown}`;
    })
    .join(' · ');
}

/** "user:5f0c…" → kind "user", value "5f0c…". */
function splitTarget(target: string): { kind: string | null; value: string } {
  const colon = target.indexOf(':');
  return colon > 0 ? { kind: target.slice(0, colon), value: target.slice(colon + 1) } : { kind: null, value: target };
}

export function AuditTab() {
  const { t, locale } = useI18n();
  const [user, setUser] = useState('');
  const [action, setAction] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const debouncedUser = useDebouncedValue(user.trim(), 300);

  const filters = useMemo<AuditFilters>(
    () => ({
      user: debouncedUser || undefined,
      action: action || undefined,
      since: since ? dateInputToIso(since, 'start') : undefined,
      until: until ? dateInputToIso(until, 'end') : undefined,
    }),
    [debouncedUser, action, since, until],
  );
  const key = JSON.stringify(filters);
  const fetchPage = useCallback((cursor: string | null, signal?: AbortSignal) => api.audit({ ...filters, cursor, limit: PAGE_SIZE }, signal), [filters]);
  const list = usePagedList(fetchPage, key);
  const filtered = user !== '' || action !== '' || since !== '' || until !== '';

  function reset(): void {
    setUser('');
    setAction('');
    setSince('');
    setUntil('');
  }

  return (
    <section className="admin-section" aria-label={t('admin.tab.audit')}>
      <form className="audit-filters" role="search" aria-label={t('audit.filters')} onSubmit={(event) => event.preventDefault()}>
        <div className="filter-field filter-field--user">
          <label htmlFor="audit-user">{t('audit.user')}</label>
          <div className="input-icon input-icon--small">
            <Icon name="user" size={16} />
            <input
              id="audit-user"
              data-testid="audit-user"
              placeholder={t('audit.userPlaceholder')}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              value={user}
              onChange={(event) => setUser(event.target.value)}
            />
          </div>
        </div>
        <div className="filter-field filter-field--action">
          <label htmlFor="audit-action">{t('audit.action')}</label>
          <div className="select">
            <select id="audit-action" data-testid="audit-action" value={action} onChange={(event) => setAction(event.target.value)}>
              <option value="">{t('audit.anyAction')}</option>
              <optgroup label={t('audit.groups')}>
                {FAMILIES.map((family) => (
                  <option key={family} value={family}>
                    {t(`audit.family.${family}` as MessageKey)}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t('audit.singleActions')}>
                {ACTIONS.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </optgroup>
            </select>
            <Icon name="chevronDown" size={16} />
          </div>
        </div>
        <div className="filter-field">
          <label htmlFor="audit-since">{t('audit.since')}</label>
          <input id="audit-since" className="input input--small" type="date" data-testid="audit-since" value={since} max={until || undefined} onChange={(event) => setSince(event.target.value)} />
        </div>
        <div className="filter-field">
          <label htmlFor="audit-until">{t('audit.until')}</label>
          <input id="audit-until" className="input input--small" type="date" data-testid="audit-until" value={until} min={since || undefined} onChange={(event) => setUntil(event.target.value)} />
        </div>
        <div className="filter-actions">
          {list.status === 'loading' && list.items.length > 0 && <Spinner size={18} />}
          <button type="button" className="btn btn--ghost btn--small" onClick={reset} disabled={!filtered}>
            <Icon name="close" size={16} />
            {t('audit.reset')}
          </button>
        </div>
      </form>

      <PagedTable list={list} loadError={t('audit.loadError')} emptyIcon="activity" emptyText={t('audit.empty')} moreTestId="audit-more">
        <table className="data-table audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.col.time')}</th>
              <th scope="col">{t('audit.col.actor')}</th>
              <th scope="col">{t('audit.col.action')}</th>
              <th scope="col">{t('audit.col.target')}</th>
              <th scope="col">{t('audit.col.outcome')}</th>
              <th scope="col">{t('audit.col.details')}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((event) => (
              <AuditRow key={event.id} event={event} locale={locale} onPickUser={setUser} onPickAction={setAction} />
            ))}
          </tbody>
        </table>
      </PagedTable>
    </section>
  );
}

function AuditRow({ event, locale, onPickUser, onPickAction }: { event: AuditEvent; locale: string; onPickUser(user: string): void; onPickAction(action: string): void }) {
  const { t } = useI18n();
  const details = compactDetails(event.details);
  const target = event.target ? splitTarget(event.target) : null;
  return (
    <tr data-testid="audit-row" data-action={event.action} data-outcome={event.outcome}>
      <td data-label={t('audit.col.time')} className="cell-nowrap">
        <time dateTime={event.at} title={event.at}>
          {formatDateTimeShort(event.at, locale)}
        </time>
      </td>
      <td data-label={t('audit.col.actor')}>
        <span className="two-line">
          {event.actor ? (
            <button type="button" className="actor-button" onClick={() => onPickUser(event.actor ?? '')} title={t('audit.filterBy', { value: event.actor })}>
              {event.actor}
            </button>
          ) : (
            <span className="muted">{t('audit.anonymous')}</span>
          )}
          {event.ip && (
            <span className="mono muted" title={event.userAgent ?? undefined}>
              <span className="visually-hidden">{t('audit.col.ip')} </span>
              {event.ip}
            </span>
          )}
        </span>
      </td>
      <td data-label={t('audit.col.action')}>
        <button type="button" className="action-chip" data-family={event.action.split('.')[0]} onClick={() => onPickAction(event.action)} title={t('audit.filterBy', { value: event.action })}>
          {event.action}
        </button>
      </td>
      <td data-label={t('audit.col.target')}>
        {target ? (
          <span className="target" title={event.target ?? undefined}>
            {target.kind && <span className="target-kind">{target.kind}</span>}
            <span className="mono">{target.value}</span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label={t('audit.col.outcome')}>
        <span className={`outcome outcome--${event.outcome}`}>
          <Icon name={event.outcome === 'success' ? 'check' : 'alert'} size={13} />
          {event.outcome === 'success' ? t('audit.outcome.success') : t('audit.outcome.failure')}
        </span>
      </td>
      <td data-label={t('audit.col.details')} className="cell-details">
        {details ? (
          <span className="details" title={JSON.stringify(event.details, null, 2)}>
            {details}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
