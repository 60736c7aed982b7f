import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api';
import { keys, useMailOutbox, useSuppressions } from '../../api/queries';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { formatDateTimeShort } from '../../lib/format';
import { useSearchParam } from '../../lib/router';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { PagedTable } from '../admin/PagedTable';

/** Administration → Mail: the suppression list (searchable, liftable) and the outbox with each message's status. */
export function MailAdminTab() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  // The search is kept in the address like the other admin filters.
  const [q, setQ] = useSearchParam('q');
  const suppressions = useSuppressions(useDebouncedValue(q.trim(), 250));
  const outbox = useMailOutbox();
  const queries = useQueryClient();
  const lift = useMutation({
    mutationFn: (email: string) => api.liftSuppression(email),
    onSuccess: () => void queries.invalidateQueries({ queryKey: keys.mail }),
  });

  return (
    <section className="admin-section" aria-label={t('mail.admin.tab')} data-testid="mail-admin">
      {lift.isError ? <p className="form-alert form-alert--error">{errorMessage(lift.error, i18n)}</p> : null}
      <h2>{t('mail.admin.suppressions')}</h2>
      <input className="field-input" type="search" aria-label={t('mail.admin.search')} placeholder={t('mail.admin.search')} value={q} onChange={(event) => setQ(event.target.value)} />
      <PagedTable list={suppressions} loadError={t('mail.admin.suppressions')} emptyIcon="inbox" emptyText={t('mail.admin.noSuppressions')} moreTestId="suppressions-more">
        <table className="data-table">
          <tbody>
            {suppressions.items.map((s) => (
              <tr key={s.email} data-testid="suppression-row">
                <td>{s.email}</td>
                <td>{s.reason}</td>
                <td>{formatDateTimeShort(s.since, locale)}</td>
                <td>{s.events.map((e) => `${e.type}${e.bounceType ? ` (${e.bounceType})` : ''}`).join(', ')}</td>
                <td className="col-actions">
                  <button type="button" className="btn btn--secondary btn--small" disabled={lift.isPending} onClick={() => lift.mutate(s.email)}>
                    {t('mail.admin.lift')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedTable>
      <h2>{t('mail.admin.outbox')}</h2>
      <PagedTable list={outbox} loadError={t('mail.admin.outbox')} emptyIcon="inbox" emptyText={t('mail.admin.outboxEmpty')} moreTestId="outbox-more">
        <table className="data-table">
          <tbody>
            {outbox.items.map((m) => (
              <tr key={m.id} data-testid="outbox-row">
                <td>{formatDateTimeShort(m.at, locale)}</td>
                <td>{m.to}</td>
                <td>{m.subject}</td>
                <td>{m.status}</td>
                <td className="col-number">{m.attempts}</td>
                <td>{m.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedTable>
    </section>
  );
}
