import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { keys, useShares } from '../../api/queries';
import { Avatar } from '../../components/Avatar';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { ApiError, api, type Share, type VaultFile } from '../../api/api';
import { formatAgo, formatDateTimeShort } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { useSession } from '../../session/session';
import { SectionHead } from './SectionHead';

/** Who a file is shared with: add a person by username, remove them. */
export function SharePeople({ file }: { file: VaultFile }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const { state: session } = useSession();
  const me = session.status === 'signed-in' ? session.user.username : null;
  const now = useNow(30_000);

  const shares = useShares(file.id);
  const queries = useQueryClient();
  // The server's answer goes into the list at once; the list is then read again to be sure.
  const changed = (update: (items: Share[]) => Share[]) => {
    queries.setQueryData<Share[]>(keys.shares(file.id), (items) => (items ? update(items) : items));
    void queries.invalidateQueries({ queryKey: keys.shares(file.id) });
  };
  const [username, setUsername] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);

  async function handleAdd(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const name = username.trim();
    if (!name) {
      setError(t('validation.required'));
      return;
    }
    if (name === me) {
      setError(t('share.self'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.share(file.id, name);
      changed((items) => [...items, data.share]);
      setUsername('');
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) setError(t('share.unknownUser', { username: name }));
      else if (failure instanceof ApiError && failure.status === 409) setError(t('share.already', { username: name }));
      else setError(errorMessage(failure, i18n));
    } finally {
      setBusy(false);
      document.getElementById('share-username')?.focus();
    }
  }

  async function remove(share: Share): Promise<void> {
    setRemoving(share.username);
    setError(null);
    try {
      await api.unshare(file.id, share.username);
      changed((items) => items.filter((item) => item.username !== share.username));
      document.getElementById('share-username')?.focus();
    } catch (failure) {
      setError(errorMessage(failure, i18n));
    } finally {
      setRemoving(null);
    }
  }

  return (
    <section className="share-section" aria-labelledby="share-people-title">
      <SectionHead id="share-people-title" icon="users" title={t('share.people')} hint={t('share.peopleHint')} />
      <form className="share-add" onSubmit={handleAdd} noValidate>
        <label htmlFor="share-username" className="visually-hidden">
          {t('share.username')}
        </label>
        <div className={`input-icon${error ? ' input-icon--invalid' : ''}`}>
          <Icon name="user" size={18} />
          <input
            id="share-username"
            data-testid="share-username"
            placeholder={t('share.usernamePlaceholder')}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            data-autofocus
            value={username}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'share-error' : undefined}
            onChange={(event) => {
              setUsername(event.target.value);
              setError(null);
            }}
          />
        </div>
        <SubmitButton busy={busy} testId="share-add" icon={<Icon name="userPlus" size={18} />} label={t('share.add')} busyLabel={t('share.adding')} />
      </form>
      {error && (
        <p id="share-error" className="field-error share-error" role="alert">
          <Icon name="alert" size={14} />
          <span>{error}</span>
        </p>
      )}

      {shares.isPending ? (
        <div className="share-loading">
          <Spinner label={t('app.loading')} size={20} />
        </div>
      ) : shares.isError ? (
        <ErrorNotice compact error={shares.error} onRetry={() => void shares.refetch()} />
      ) : shares.data.length === 0 ? (
        <p className="share-empty">{t('share.none')}</p>
      ) : (
        <ul className="share-list">
          {shares.data.map((share) => (
            <li key={share.username} className="share-row" data-testid="share-row" data-username={share.username}>
              <Avatar name={share.name || share.username} seed={share.username} size={36} />
              <div className="share-row-text">
                <strong>{share.name || share.username}</strong>
                <span>
                  @{share.username} ·{' '}
                  <time dateTime={share.createdAt} title={formatDateTimeShort(share.createdAt, locale)}>
                    {t('share.since', { when: formatAgo(share.createdAt, locale, now) ?? t('time.justNow') })}
                  </time>
                </span>
              </div>
              <button
                type="button"
                className="icon-btn"
                aria-label={t('share.remove', { name: share.name || share.username })}
                title={t('share.remove', { name: share.name || share.username })}
                data-testid="share-remove"
                disabled={removing === share.username}
                onClick={() => remove(share)}
              >
                {removing === share.username ? <span className="spinner spinner--small" /> : <Icon name="close" size={18} />}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

