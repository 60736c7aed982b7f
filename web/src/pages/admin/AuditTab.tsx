import { useEffect, useMemo, useState } from 'react';
import { useAudit } from '../../api/queries';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import type { AuditFilters } from '../../api/api';
import { dateInputToIso } from '../../lib/format';
import { useSearchParam } from '../../lib/router';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { ACTIONS, actionLabel, AuditRow } from './AuditRow';
import { PagedTable } from './PagedTable';

/** Families first ("auth." matches every auth.* action), then the single actions. */
const FAMILIES = ['account.', 'auth.', 'token.', 'file.', 'share.', 'link.', 'admin.', 'cli.'] as const;
export function AuditTab() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  // Every filter is in the address (?user=…&action=…&since=…&until=…): a reload keeps them.
  const [urlUser, setUser] = useSearchParam('user');
  const [action, setAction] = useSearchParam('action');
  const [since, setSince] = useSearchParam('since');
  const [until, setUntil] = useSearchParam('until');
  const [user, setTypedUser] = useDebouncedParam(urlUser, setUser);
  const debouncedUser = urlUser.trim();

  const filters = useMemo<AuditFilters>(
    () => ({
      user: debouncedUser || undefined,
      action: action || undefined,
      since: since ? dateInputToIso(since, 'start') : undefined,
      until: until ? dateInputToIso(until, 'end') : undefined,
    }),
    [debouncedUser, action, since, until],
  );
  const list = useAudit(filters);
  const filtered = user !== '' || action !== '' || since !== '' || until !== '';

  function reset(): void {
    setTypedUser('');
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
              onChange={(event) => setTypedUser(event.target.value)}
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
                    {actionLabel(name, i18n)}
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
              <AuditRow key={event.id} event={event} locale={locale} onPickUser={setTypedUser} onPickAction={setAction} />
            ))}
          </tbody>
        </table>
      </PagedTable>
    </section>
  );
}

/** A text field over a search parameter: typed at once, written to the address when typing pauses. */
function useDebouncedParam(value: string, setValue: (value: string) => void): [string, (value: string) => void] {
  const [typed, setTyped] = useState(value);
  const debounced = useDebouncedValue(typed, 300);
  useEffect(() => {
    if (debounced !== value) setValue(debounced);
  }, [debounced]);
  return [typed, setTyped];
}
