import { useState, type FormEvent } from 'react';
import type { Created } from './created';
import { Icon } from '../../components/Icon';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, TOKEN_SCOPES, api, type TokenScope, type User } from '../../api/api';
import { dateInputToIso, todayInputValue } from '../../lib/format';
import { FormAlert } from '../auth/AuthLayout';
import { Field } from '../../components/Field';
import '../../styles/account.css';

const MAX_NAME = 100;

/** Name, scopes and an optional expiry date for a new token. */
export function CreateTokenForm({ user, onCreated }: { user: User; onCreated(created: Created): void }) {
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
