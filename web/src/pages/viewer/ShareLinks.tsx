import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { keys, useLinks } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, api, type PublicLink, type VaultFile } from '../../api/api';
import { LinkRow } from './LinkRow';
import { SectionHead } from './SectionHead';

const MIN_LINK_PASSWORD = 8;

const EXPIRY_OPTIONS: ReadonlyArray<{ value: string; label: MessageKey; ms: number | null }> = [
  { value: 'never', label: 'links.expiry.never', ms: null },
  { value: 'hour', label: 'links.expiry.hour', ms: 3_600_000 },
  { value: 'day', label: 'links.expiry.day', ms: 86_400_000 },
  { value: 'week', label: 'links.expiry.week', ms: 7 * 86_400_000 },
  { value: 'month', label: 'links.expiry.month', ms: 30 * 86_400_000 },
];

/** The public links of a file: create one (expiry, password), copy, revoke. */
export function ShareLinks({ file }: { file: VaultFile }) {
  const i18n = useI18n();
  const { t } = i18n;
  const links = useLinks(file.id);
  const queries = useQueryClient();
  // The server's answer goes into the list at once; the list is then read again to be sure.
  const changed = (update: (items: PublicLink[]) => PublicLink[]) => {
    queries.setQueryData<PublicLink[]>(keys.links(file.id), (items) => (items ? update(items) : items));
    void queries.invalidateQueries({ queryKey: keys.links(file.id) });
  };
  const [expiry, setExpiry] = useState('never');
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<string | null>(null);

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
      changed((items) => [data.link, ...items]);
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
    changed((items) => items.filter((link) => link.id !== id));
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

      {links.isPending ? (
        <div className="share-loading">
          <Spinner label={t('app.loading')} size={20} />
        </div>
      ) : links.isError ? (
        <ErrorNotice compact error={links.error} onRetry={() => void links.refetch()} />
      ) : links.data.length === 0 ? (
        <p className="share-empty">{t('links.none')}</p>
      ) : (
        <ul className="link-list">
          {links.data.map((link) => (
            <LinkRow key={link.id} link={link} fresh={link.id === fresh} onRevoked={handleRevoked} />
          ))}
        </ul>
      )}
    </section>
  );
}

