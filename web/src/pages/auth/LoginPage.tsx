import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError } from '../../lib/api';
import { Link } from '../../lib/router';
import { validateLogin, type LoginField } from '../../lib/validation';
import { useSession } from '../../session/session';
import { AuthLayout, FormAlert } from './AuthLayout';
import { Field } from './Field';

const FIELDS: LoginField[] = ['username', 'password'];

export function LoginPage() {
  const { t, tn } = useI18n();
  const { state, signIn } = useSession();
  useDocumentTitle(t('title.login'));

  const [values, setValues] = useState<Record<LoginField, string>>({ username: '', password: '' });
  const [attempted, setAttempted] = useState(false);
  const [serverFieldErrors, setServerFieldErrors] = useState<Partial<Record<LoginField, string>>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const clientErrors: Partial<Record<LoginField, MessageKey>> = attempted ? validateLogin(values) : {};
  const fieldError = (field: LoginField) => {
    const key = clientErrors[field];
    return key ? t(key) : serverFieldErrors[field];
  };

  function update(field: LoginField, value: string): void {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerFieldErrors((previous) => ({ ...previous, [field]: undefined }));
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setAttempted(true);
    setFailure(null);
    const errors = validateLogin(values);
    const firstInvalid = FIELDS.find((field) => errors[field]);
    if (firstInvalid) {
      document.getElementById(`login-${firstInvalid}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await signIn(values.username.trim(), values.password);
      // The session change re-renders <App>, which leaves this page.
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.details.length > 0) {
        const byField: Partial<Record<LoginField, string>> = {};
        for (const detail of error.details) {
          if (detail.field === 'username' || detail.field === 'password') byField[detail.field] = detail.message;
        }
        setServerFieldErrors(byField);
        if (Object.keys(byField).length === 0) setFailure(error);
      } else {
        setFailure(error);
      }
      setBusy(false);
    }
  }

  const failureText =
    failure instanceof ApiError && failure.status === 401 ? t('login.badCredentials') : failure ? errorMessage(failure, { t, tn }) : null;
  const reason = state.status === 'anonymous' ? state.reason : undefined;
  const notice =
    reason === 'expired'
      ? t('login.sessionExpired')
      : reason === 'signed-out'
        ? t('login.signedOut')
        : reason === 'signed-out-everywhere'
          ? t('login.signedOutEverywhere')
          : null;

  return (
    <AuthLayout
      heading={t('login.heading')}
      subheading={t('login.subheading')}
      aside={
        <>
          {t('login.noAccount')} <Link to="/register">{t('login.createAccount')}</Link>
        </>
      }
    >
      {failureText ? <FormAlert>{failureText}</FormAlert> : notice && <FormAlert tone="info">{notice}</FormAlert>}
      <form className="auth-form" onSubmit={handleSubmit} noValidate>
        <Field
          id="login-username"
          data-testid="login-username"
          label={t('login.username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          value={values.username}
          onChange={(event) => update('username', event.target.value)}
          error={fieldError('username')}
        />
        <Field
          id="login-password"
          data-testid="login-password"
          label={t('login.password')}
          type="password"
          autoComplete="current-password"
          value={values.password}
          onChange={(event) => update('password', event.target.value)}
          error={fieldError('password')}
        />
        <button type="submit" className="btn btn--primary btn--block" data-testid="login-submit" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </AuthLayout>
  );
}
