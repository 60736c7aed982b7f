import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Card, PageLayout } from '../../components/PageLayout';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, TOKEN_SCOPES, api, isAbort, type AccessToken, type TokenScope, type User } from '../../lib/api';
import { dateInputToIso, formatAgo, formatDate, formatDateTimeShort, todayInputValue } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { FormAlert } from '../auth/AuthLayout';
import { Field } from '../../components/Field';
import '../../styles/account.css';

const MAX_NAME = 100;

interface Created {
  token: AccessToken;
  secret: string;
}

type ListState = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ready'; items: AccessToken[] };

export function TokensPage({ user }: { user: User }) {
  const i18n = useI18n();
  const { t } = i18n;
  useDocumentTitle(t('title.tokens'));

  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setList({ status: 'loading' });
    api
      .listTokens(controller.signal)
      .then(({ data }) => setList({ status: 'ready', items: data.items }))
      .catch((error: unknown) => {
        if (!isAbort(error)) setList({ status: 'error', error });
      });
    return () => controller.abort();
  }, [reloads]);

  function handleCreated(result: Created): void {
    setCreated(result);
    setNotice(null);
    setList((previous) => (previous.status === 'ready' ? { status: 'ready', items: [result.token, ...previous.items] } : previous));
  }

  async function confirmRevoke(): Promise<void> {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await api.revokeToken(revoking.id);
      setList((previous) => (previous.status === 'ready' ? { status: 'ready', items: previous.items.filter((token) => token.id !== revoking.id) } : previous));
      if (created?.token.id === revoking.id) setCreated(null);
      setNotice(t('tokens.revoked', { name: revoking.name }));
      setRevoking(null);
    } catch (error) {
      setRevokeError(error);
    } finally {
      setRevokeBusy(false);
    }
  }

  return (
    <PageLayout user={user} title={t('tokens.heading')} subheading={t('tokens.subheading')} width="wide">
      <div className="stack">
        {created && <SecretBox created={created} onDone={() => setCreated(null)} />}

        <Card title={t('tokens.create.heading')} labelledBy="tokens-create" icon={<Icon name="plus" size={18} />}>
          <CreateTokenForm user={user} onCreated={handleCreated} />
        </Card>

        <Card title={t('tokens.list.heading')} labelledBy="tokens-list" icon={<Icon name="key" size={18} />} className="card--flush">
          {notice && (
            <div className="card-notice" role="status">
              <Icon name="check" size={16} />
              <span>{notice}</span>
            </div>
          )}
          {list.status === 'loading' ? (
            <CardLoading />
          ) : list.status === 'error' ? (
            <div className="card-pad">
              <ErrorNotice lead={t('tokens.loadError')} error={list.error} onRetry={() => setReloads((count) => count + 1)} />
            </div>
          ) : list.items.length === 0 ? (
            <CardEmpty icon="terminal" iconSize={24} title={t('tokens.empty.title')}>
              {t('tokens.empty.body')}
            </CardEmpty>
          ) : (
            <TokenTable
              tokens={list.items}
              createdId={created?.token.id ?? null}
              onRevoke={(token) => {
                setRevokeError(null);
                setRevoking(token);
              }}
            />
          )}
        </Card>
      </div>

      <ConfirmDialog
        open={revoking !== null}
        title={t('tokens.revoke.title')}
        confirmLabel={t('tokens.revoke.confirm')}
        busyLabel={t('tokens.revoking')}
        busy={revokeBusy}
        error={revokeError !== null ? errorMessage(revokeError, i18n) : null}
        confirmTestId="confirm-revoke"
        onConfirm={confirmRevoke}
        onClose={() => setRevoking(null)}
      >
        <p>{t('tokens.revoke.body', { name: revoking?.name ?? '' })}</p>
      </ConfirmDialog>
    </PageLayout>
  );
}

function CreateTokenForm({ user, onCreated }: { user: User; onCreated(created: Created): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<TokenScope>>(() => new Set(['files:read']));
  const [expiry, setExpiry] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<'name' | 'scopes' | 'expiresAt', string>>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const offered = TOKEN_SCOPES.filter((scope) => scope !== 'admin' || user.isAdmin);
  const nameError = attempted && !name.trim() ? t('validation.required') : serverErrors.name;
  const scopesError = attempted && scopes.size === 0 ? t('tokens.scopesRequired') : serverErrors.scopes;

  function toggle(scope: TokenScope, on: boolean): void {
    setScopes((previous) => {
      const next = new Set(previous);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
    setServerErrors((previous) => ({ ...previous, scopes: undefined }));
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setAttempted(true);
    setFailure(null);
    if (!name.trim()) {
      document.getElementById('token-name')?.focus();
      return;
    }
    if (scopes.size === 0) {
      document.getElementById(`token-scope-${offered[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const expiresAt = expiry ? dateInputToIso(expiry, 'end') : undefined;
      const { data } = await api.createToken({
        name: name.trim(),
        // In the order offered, whatever order they were ticked in.
        scopes: offered.filter((scope) => scopes.has(scope)),
        ...(expiresAt ? { expiresAt } : {}),
      });
      onCreated(data);
      setName('');
      setExpiry('');
      setScopes(new Set(['files:read']));
      setAttempted(false);
      setServerErrors({});
    } catch (error) {
      const byField: Partial<Record<'name' | 'scopes' | 'expiresAt', string>> = {};
      if (error instanceof ApiError && error.status === 400) {
        for (const detail of error.details) {
          if (detail.field === 'name' || detail.field === 'scopes' || detail.field === 'expiresAt') byField[detail.field] = detail.message;
        }
      }
      if (Object.keys(byField).length > 0) setServerErrors(byField);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card-form" onSubmit={handleSubmit} noValidate>
      {failure !== null && <FormAlert>{errorMessage(failure, i18n)}</FormAlert>}
      <div className="token-form-row">
        <Field
          id="token-name"
          data-testid="token-name"
          label={t('tokens.name')}
          placeholder={t('tokens.namePlaceholder')}
          maxLength={MAX_NAME}
          autoComplete="off"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setServerErrors((previous) => ({ ...previous, name: undefined }));
          }}
          error={nameError}
          hint={t('tokens.nameHint')}
        />
        <Field
          id="token-expiry"
          data-testid="token-expiry"
          label={t('tokens.expiry')}
          type="date"
          min={todayInputValue()}
          value={expiry}
          onChange={(event) => {
            setExpiry(event.target.value);
            setServerErrors((previous) => ({ ...previous, expiresAt: undefined }));
          }}
          error={serverErrors.expiresAt}
          hint={t('tokens.expiryHint')}
        />
      </div>
      <fieldset className={`scope-picker${scopesError ? ' scope-picker--invalid' : ''}`} aria-describedby={scopesError ? 'token-scopes-error' : undefined}>
        <legend>{t('tokens.scopes')}</legend>
        <div className="scope-grid">
          {offered.map((scope) => (
            <label key={scope} className="scope-option" htmlFor={`token-scope-${scope}`}>
              <input
                id={`token-scope-${scope}`}
                type="checkbox"
                data-testid={`token-scope-${scope}`}
                checked={scopes.has(scope)}
                onChange={(event) => toggle(scope, event.target.checked)}
              />
              <span className="scope-option-text">
                <span className="scope-option-name">
                  {t(`scope.${scope}` as MessageKey)}
                  <code>{scope}</code>
                </span>
                <span className="scope-option-hint">{t(`scope.${scope}.hint` as MessageKey)}</span>
              </span>
            </label>
          ))}
        </div>
        {scopesError && (
          <p id="token-scopes-error" className="field-error">
            <Icon name="alert" size={14} />
            <span>{scopesError}</span>
          </p>
        )}
      </fieldset>
      <div className="card-actions">
        <SubmitButton busy={busy} testId="token-create" icon={<Icon name="key" size={18} />} label={t('tokens.create')} busyLabel={t('tokens.creating')} />
      </div>
    </form>
  );
}

/** The new token's secret, shown this once, with a copy button and a clear warning. */
function SecretBox({ created, onDone }: { created: Created; onDone(): void }) {
  const { t } = useI18n();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus({ preventScroll: true });
    headingRef.current?.closest('section')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [created.secret]);

  return (
    <section className="secret-box" aria-labelledby="secret-box-title" data-testid="token-secret-box">
      <div className="secret-box-head">
        <span className="secret-box-icon" aria-hidden="true">
          <Icon name="alert" size={20} />
        </span>
        <div>
          <h2 id="secret-box-title" ref={headingRef} tabIndex={-1}>
            {t('tokens.secret.title')}
          </h2>
          <p>{t('tokens.secret.body', { name: created.token.name })}</p>
        </div>
      </div>
      <div className="secret-field">
        <code data-testid="token-secret" aria-label={t('tokens.secret.label')}>
          {created.secret}
        </code>
        <CopyButton text={created.secret} what={t('tokens.secret.label')} className="btn btn--primary btn--small" testId="token-secret-copy" />
      </div>
      <p className="secret-usage">
        {t('tokens.secret.usage')} <code>Authorization: Bearer {created.token.prefix}…</code>
      </p>
      <div className="secret-box-actions">
        <button type="button" className="btn btn--secondary btn--small" onClick={onDone} data-testid="token-secret-done">
          {t('tokens.secret.done')}
        </button>
      </div>
    </section>
  );
}

function TokenTable({ tokens, createdId, onRevoke }: { tokens: AccessToken[]; createdId: string | null; onRevoke(token: AccessToken): void }) {
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
