import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { type AccessToken } from '../../api/api';
import { formatAgo, formatDate, formatDateTimeShort } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import '../../styles/account.css';

/** The caller's tokens: name, scopes, last use, expiry and a revoke button. */
export function TokenTable({ tokens, createdId, onRevoke }: { tokens: AccessToken[]; createdId: string | null; onRevoke(token: AccessToken): void }) {
  const { t, locale } = useI18n();
  const now = useNow(30_000);
  return (
    <div className="table-wrap">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t('tokens.col.name')}</th>
            <th scope="col">{t('tokens.col.scopes')}</th>
            <th scope="col">{t('tokens.col.prefix')}</th>
            <th scope="col">{t('tokens.col.created')}</th>
            <th scope="col">{t('tokens.col.lastUsed')}</th>
            <th scope="col">{t('tokens.col.expires')}</th>
            <th scope="col" className="col-actions">
              <span className="visually-hidden">{t('tokens.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => {
            const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= now;
            return (
              <tr key={token.id} data-testid="token-row" data-name={token.name} className={expired ? 'is-muted' : undefined}>
                <td data-label={t('tokens.col.name')} className="cell-title">
                  <span className="token-name">{token.name}</span>
                  {token.id === createdId && <span className="badge badge--success">{t('tokens.new')}</span>}
                  {expired && <span className="badge badge--danger">{t('tokens.expired')}</span>}
                </td>
                <td data-label={t('tokens.col.scopes')}>
                  <span className="scope-chips">
                    {token.scopes.map((scope) => (
                      <span key={scope} className={`scope-chip${scope === 'admin' ? ' scope-chip--admin' : ''}`} title={t(`scope.${scope}` as MessageKey)}>
                        {scope}
                      </span>
                    ))}
                  </span>
                </td>
                <td data-label={t('tokens.col.prefix')}>
                  <code className="token-prefix">{token.prefix}…</code>
                </td>
                <td data-label={t('tokens.col.created')}>
                  <time dateTime={token.createdAt} title={formatDateTimeShort(token.createdAt, locale)}>
                    {formatDate(token.createdAt, locale)}
                  </time>
                </td>
                <td data-label={t('tokens.col.lastUsed')}>
                  {token.lastUsedAt ? (
                    <span className="two-line">
                      <time dateTime={token.lastUsedAt} title={formatDateTimeShort(token.lastUsedAt, locale)}>
                        {formatAgo(token.lastUsedAt, locale, now) ?? t('time.justNow')}
                      </time>
                      {token.lastUsedIp && <span className="mono muted">{token.lastUsedIp}</span>}
                    </span>
                  ) : (
                    <span className="muted">{t('tokens.neverUsed')}</span>
                  )}
                </td>
                <td data-label={t('tokens.col.expires')}>
                  {token.expiresAt ? (
                    <time dateTime={token.expiresAt} title={formatDateTimeShort(token.expiresAt, locale)}>
                      {formatDate(token.expiresAt, locale)}
                    </time>
                  ) : (
                    <span className="muted">{t('tokens.never')}</span>
                  )}
                </td>
                <td className="col-actions">
                  <button
                    type="button"
                    className="btn btn--ghost-danger btn--small"
                    data-testid="token-revoke"
                    aria-label={t('tokens.revokeLabel', { name: token.name })}
                    onClick={() => onRevoke(token)}
                  >
                    <Icon name="trash" size={16} />
                    <span aria-hidden="true">{t('tokens.revoke')}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
