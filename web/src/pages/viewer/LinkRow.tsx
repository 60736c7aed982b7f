import { useState } from 'react';
import { CopyButton } from '../../components/CopyButton';
import { Icon } from '../../components/Icon';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { api, type PublicLink } from '../../api/api';
import { formatDateTimeShort, formatRelative } from '../../lib/format';
import { useNow } from '../../lib/useNow';

/** One public link: its address to copy, its facts, and a revoke that asks first. */
export function LinkRow({ link, fresh, onRevoked }: { link: PublicLink; fresh: boolean; onRevoked(id: string): void }) {
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
