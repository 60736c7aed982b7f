import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { mailApi, type OutboxItem, type Suppression } from './mailApi';

/** Administration → Mail: the outbox with each message's status, and the suppression list. */
export function MailAdminTab() {
  const { t, tn } = useI18n();
  const [outbox, setOutbox] = useState<OutboxItem[]>([]);
  const [suppressions, setSuppressions] = useState<Suppression[]>([]);
  const [q, setQ] = useState('');
  const [failure, setFailure] = useState<unknown>(null);

  const load = useCallback(() => {
    Promise.all([mailApi.outbox(), mailApi.suppressions(q)]).then(
      ([messages, listed]) => {
        setOutbox(messages.items);
        setSuppressions(listed.items);
      },
      setFailure,
    );
  }, [q]);
  useEffect(load, [load]);

  async function lift(email: string): Promise<void> {
    try {
      await mailApi.lift(email);
      load();
    } catch (error) {
      setFailure(error);
    }
  }

  return (
    <section className="admin-section" aria-label={t('mail.admin.tab')} data-testid="mail-admin">
      {failure ? <p className="form-alert form-alert--error">{errorMessage(failure, { t, tn })}</p> : null}
      <h2>{t('mail.admin.suppressions')}</h2>
      <input className="field-input" type="search" aria-label={t('mail.admin.search')} placeholder={t('mail.admin.search')} value={q} onChange={(e) => setQ(e.target.value)} />
      {suppressions.length === 0 ? (
        <p>{t('mail.admin.noSuppressions')}</p>
      ) : (
        <table className="table">
          <tbody>
            {suppressions.map((s) => (
              <tr key={s.email} data-testid="suppression-row">
                <td>{s.email}</td>
                <td>{s.reason}</td>
                <td>{new Date(s.since).toLocaleString()}</td>
                <td>{s.events.map((e) => `${e.type}${e.bounceType ? ` (${e.bounceType})` : ''}`).join(', ')}</td>
                <td>
                  <button type="button" className="btn" onClick={() => void lift(s.email)}>
                    {t('mail.admin.lift')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('mail.admin.outbox')}</h2>
      <table className="table">
        <tbody>
          {outbox.map((m) => (
            <tr key={m.id} data-testid="outbox-row">
              <td>{new Date(m.at).toLocaleString()}</td>
              <td>{m.to}</td>
              <td>{m.subject}</td>
              <td>{m.status}</td>
              <td>{m.attempts}</td>
              <td>{m.lastError ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
