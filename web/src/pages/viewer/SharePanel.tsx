import { useEffect, useState, type FormEvent } from 'react';
import { Avatar } from '../../components/Avatar';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Modal } from '../../components/Modal';
import { Spinner } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, api, isAbort, type PublicLink, type Share, type VaultFile } from '../../lib/api';
import { formatAgo, formatDateTimeShort, formatRelative } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { useSession } from '../../session/session';
import '../../styles/share.css';

const MIN_LINK_PASSWORD = 8;

const EXPIRY_OPTIONS: ReadonlyArray<{ value: string; label: MessageKey; ms: number | null }> = [
  { value: 'never', label: 'links.expiry.never', ms: null },
  { value: 'hour', label: 'links.expiry.hour', ms: 3_600_000 },
  { value: 'day', label: 'links.expiry.day', ms: 86_400_000 },
  { value: 'week', label: 'links.expiry.week', ms: 7 * 86_400_000 },
  { value: 'month', label: 'links.expiry.month', ms: 30 * 86_400_000 },
];

type Loaded<T> = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ready'; items: T[] };

/** Who a file is shared with, and its public links: add, copy, revoke. */
export function SharePanel({ file, onClose }: { file: VaultFile; onClose(): void }) {
  const { t } = useI18n();
  return (
    <Modal title={t('share.title', { name: file.name })} onClose={onClose} className="share-modal" testId="share-panel">
      <PeopleSection file={file} />
      <LinksSection file={file} />
    </Modal>
  );
}

function SectionHead({ id, icon, title, hint }: { id: string; icon: 'users' | 'link'; title: string; hint: string }) {
  return (
    <div className="share-section-head">
      <span className="share-section-icon" aria-hidden="true">
        <Icon name={icon} size={18} />
      </span>
      <div>
        <h3 id={id}>{title}</h3>
        <p>{hint}</p>
      </div>
    </div>
  );
}

function PeopleSection({ file }: { file: VaultFile }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const { state: session } = useSession();
  const me = session.status === 'signed-in' ? session.user.username : null;
  const now = useNow(30_000);

  const [shares, setShares] = useState<Loaded<Share>>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);
  const [username, setUsername] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setShares({ status: 'loading' });
    api
      .listShares(file.id, controller.signal)
      .then(({ data }) => setShares({ status: 'ready', items: data.items }))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setShares({ status: 'error', error: failure });
      });
    return () => controller.abort();
  }, [file.id, reloads]);

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
      setShares((previous) => (previous.status === 'ready' ? { status: 'ready', items: [...previous.items, data.share] } : previous));
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
      setShares((previous) =>
        previous.status === 'ready' ? { status: 'ready', items: previous.items.filter((item) => item.username !== share.username) } : previous,
      );
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

      {shares.status === 'loading' ? (
        <div className="share-loading">
          <Spinner label={t('app.loading')} size={20} />
        </div>
      ) : shares.status === 'error' ? (
        <ErrorNotice compact error={shares.error} onRetry={() => setReloads((count) => count + 1)} />
      ) : shares.items.length === 0 ? (
        <p className="share-empty">{t('share.none')}</p>
      ) : (
        <ul className="share-list">
          {shares.items.map((share) => (
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

function LinksSection({ file }: { file: VaultFile }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [links, setLinks] = useState<Loaded<PublicLink>>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);
  const [expiry, setExpiry] = useState('never');
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setLinks({ status: 'loading' });
    api
      .listLinks(file.id, controller.signal)
      .then(({ data }) => setLinks({ status: 'ready', items: data.items }))
      .catch((error: unknown) => {
        if (!isAbort(error)) setLinks({ status: 'error', error });
      });
    return () => controller.abort();
  }, [file.id, reloads]);

  async function handleCreate(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    if (password && password.length < MIN_LINK_PASSWORD) {
      setPasswordError(t('links.passwordShort'));
      document.getElementById('link-password')?.focus();
      return;
    }
    const ms = EXPIRY_OPTIONS.find((option) => option.value === expiry)?.ms ?? null;
    setBusy(true);
    try {
      const { data } = await api.createLink(file.id, {
        ...(ms !== null ? { expiresAt: new Date(Date.now() + ms).toISOString() } : {}),
        ...(password ? { password } : {}),
      });
      setLinks((previous) => (previous.status === 'ready' ? { status: 'ready', items: [data.link, ...previous.items] } : { status: 'ready', items: [data.link] }));
      setFresh(data.link.id);
      setPassword('');
      setExpiry('never');
    } catch (error) {
      const detail = error instanceof ApiError ? error.details.find((item) => item.field === 'password') : undefined;
      if (detail) setPasswordError(detail.message);
      else setFailure(errorMessage(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  function handleRevoked(id: string): void {
    setLinks((previous) => (previous.status === 'ready' ? { status: 'ready', items: previous.items.filter((link) => link.id !== id) } : previous));
  }

  return (
    <section className="share-section" aria-labelledby="share-links-title">
      <SectionHead id="share-links-title" icon="link" title={t('links.heading')} hint={t('links.hint')} />
      <form className="link-create" onSubmit={handleCreate} noValidate>
        <div className="link-create-field">
          <label htmlFor="link-expiry">{t('links.expiry')}</label>
          <div className="select">
            <select id="link-expiry" data-testid="link-expiry" value={expiry} onChange={(event) => setExpiry(event.target.value)}>
              {EXPIRY_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {t(option.label)}
                </option>
              ))}
            </select>
            <Icon name="chevronDown" size={16} />
          </div>
        </div>
        <div className="link-create-field">
          <label htmlFor="link-password">{t('links.password')}</label>
          <div className={`input-icon input-icon--small${passwordError ? ' input-icon--invalid' : ''}`}>
            <Icon name="lock" size={16} />
            <input
              id="link-password"
              data-testid="link-password"
              type="password"
              autoComplete="new-password"
              placeholder={t('links.passwordPlaceholder')}
              value={password}
              aria-invalid={passwordError ? true : undefined}
              aria-describedby={passwordError ? 'link-password-error' : undefined}
              onChange={(event) => {
                setPassword(event.target.value);
                setPasswordError(null);
              }}
            />
          </div>
        </div>
        <button type="submit" className="btn btn--secondary link-create-submit" data-testid="link-create" disabled={busy}>
          <Icon name="link" size={18} />
          {busy ? t('links.creating') : t('links.create')}
        </button>
      </form>
      {(passwordError || failure) && (
        <p id="link-password-error" className="field-error share-error" role="alert">
          <Icon name="alert" size={14} />
          <span>{passwordError ?? failure}</span>
        </p>
      )}

      {links.status === 'loading' ? (
        <div className="share-loading">
          <Spinner label={t('app.loading')} size={20} />
        </div>
      ) : links.status === 'error' ? (
        <ErrorNotice compact error={links.error} onRetry={() => setReloads((count) => count + 1)} />
      ) : links.items.length === 0 ? (
        <p className="share-empty">{t('links.none')}</p>
      ) : (
        <ul className="link-list">
          {links.items.map((link) => (
            <LinkRow key={link.id} link={link} fresh={link.id === fresh} onRevoked={handleRevoked} />
          ))}
        </ul>
      )}
    </section>
  );
}

function LinkRow({ link, fresh, onRevoked }: { link: PublicLink; fresh: boolean; onRevoked(id: string): void }) {
  const i18n = useI18n();
  const { t, tn, locale } = i18n;
  const now = useNow(30_000);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function revoke(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await api.revokeLink(link.id);
      onRevoked(link.id);
    } catch (failure) {
      setError(errorMessage(failure, i18n));
      setBusy(false);
    }
  }

  const urlId = `link-url-${link.id}`;
  return (
    <li className={`link-row${fresh ? ' link-row--fresh' : ''}`} data-testid="link-row" data-has-password={link.hasPassword}>
      <div className="link-row-main">
        <span className={`link-row-icon${link.hasPassword ? ' link-row-icon--locked' : ''}`} title={link.hasPassword ? t('links.protected') : undefined}>
          <Icon name={link.hasPassword ? 'lock' : 'link'} size={16} />
          {link.hasPassword && <span className="visually-hidden">{t('links.protected')}</span>}
        </span>
        <label htmlFor={urlId} className="visually-hidden">
          {t('links.url')}
        </label>
        <input id={urlId} className="link-row-url" data-testid="link-url" readOnly value={link.url} onFocus={(event) => event.target.select()} />
        <CopyButton text={link.url} what={t('links.url')} testId="link-copy" />
      </div>
      <div className="link-row-meta">
        {link.hasPassword && (
          <span className="link-meta-item">
            <Icon name="lock" size={14} />
            {t('links.protected')}
          </span>
        )}
        <span className="link-meta-item">
          <Icon name="eye" size={14} />
          {tn('links.views', link.views)}
        </span>
        <span className="link-meta-item">
          <Icon name="clock" size={14} />
          {link.expiresAt ? (
            <time dateTime={link.expiresAt} title={formatDateTimeShort(link.expiresAt, locale)}>
              {t('links.expires', { when: formatRelative(link.expiresAt, locale, now, 'long') })}
            </time>
          ) : (
            t('links.noExpiry')
          )}
        </span>
        {!confirming && (
          <button type="button" className="btn btn--ghost-danger btn--small link-revoke" data-testid="link-revoke" aria-label={t('links.revokeLabel')} onClick={() => setConfirming(true)}>
            {t('links.revoke')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="link-confirm" role="group" aria-label={t('links.revokeLabel')}>
          <span>{t('links.revokeQuestion')}</span>
          <button type="button" className="btn btn--secondary btn--small" onClick={() => setConfirming(false)} disabled={busy} autoFocus>
            {t('common.cancel')}
          </button>
          <button type="button" className="btn btn--danger btn--small" data-testid="link-revoke-confirm" onClick={revoke} disabled={busy}>
            {busy ? t('links.revoking') : t('links.revoke')}
          </button>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          <Icon name="alert" size={14} />
          <span>{error}</span>
        </p>
      )}
    </li>
  );
}
