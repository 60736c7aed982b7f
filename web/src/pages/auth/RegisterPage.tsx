import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, api } from '../../lib/api';
import { Link } from '../../lib/router';
import { validateRegister, type RegisterField } from '../../lib/validation';
import { useSession } from '../../session/session';
import { AuthLayout, FormAlert } from './AuthLayout';
import { Field } from './Field';

const FIELDS: RegisterField[] = ['name', 'username', 'email', 'password', 'confirm'];
const EMPTY: Record<RegisterField, string> = { name: '', username: '', email: '', password: '', confirm: '' };

/** A server-side message: either one of ours (translated) or the server's own sentence. */
type ServerMessage = { key: MessageKey } | { text: string };

const CONFLICT_MESSAGES: Record<string, { field: RegisterField; key: MessageKey }> = {
  username_taken: { field: 'username', key: 'register.usernameTaken' },
  email_taken: { field: 'email', key: 'register.emailTaken' },
};

function isRegisterField(field: string): field is RegisterField {
  return (FIELDS as string[]).includes(field);
}

export function RegisterPage() {
  const { t, tn } = useI18n();
  const { signIn } = useSession();
  useDocumentTitle(t('title.register'));

  const [values, setValues] = useState(EMPTY);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<RegisterField, ServerMessage>>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [createdButNotSignedIn, setCreatedButNotSignedIn] = useState(false);
  const [busy, setBusy] = useState(false);

  const clientErrors: Partial<Record<RegisterField, MessageKey>> = attempted ? validateRegister(values) : {};
  const fieldError = (field: RegisterField): string | undefined => {
    const key = clientErrors[field];
    if (key) return t(key);
    const server = serverErrors[field];
    if (!server) return undefined;
    return 'key' in server ? t(server.key) : server.text;
  };

  function update(field: RegisterField, value: string): void {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerErrors((previous) => ({ ...previous, [field]: undefined }));
  }

  /** Spreads the server's `details` over the fields; returns false if none applied. */
  function applyServerDetails(error: ApiError): boolean {
    const byField: Partial<Record<RegisterField, ServerMessage>> = {};
    for (const detail of error.details) {
      const conflict = detail.reason ? CONFLICT_MESSAGES[detail.reason] : undefined;
      if (conflict) byField[conflict.field] = { key: conflict.key };
      else if (isRegisterField(detail.field)) byField[detail.field] = { text: detail.message };
    }
    setServerErrors(byField);
    const first = FIELDS.find((field) => byField[field]);
    if (first) document.getElementById(`register-${first}`)?.focus();
    return first !== undefined;
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setAttempted(true);
    setFailure(null);
    const errors = validateRegister(values);
    const firstInvalid = FIELDS.find((field) => errors[field]);
    if (firstInvalid) {
      document.getElementById(`register-${firstInvalid}`)?.focus();
      return;
    }

    setBusy(true);
    const username = values.username;
    try {
      // The confirmation stays in the browser: the API rejects unknown fields.
      await api.register({ name: values.name.trim(), username, email: values.email.trim(), password: values.password });
    } catch (error) {
      const handled = error instanceof ApiError && (error.status === 400 || error.status === 409) && applyServerDetails(error);
      if (!handled) setFailure(error);
      setBusy(false);
      return;
    }
    try {
      await signIn(username, values.password);
      // Signed in: <App> moves on to the library.
    } catch {
      setCreatedButNotSignedIn(true);
      setBusy(false);
    }
  }

  return (
    <AuthLayout
      heading={t('register.heading')}
      subheading={t('register.subheading')}
      aside={
        <>
          {t('register.haveAccount')} <Link to="/login">{t('register.signIn')}</Link>
        </>
      }
    >
      {createdButNotSignedIn && (
        <FormAlert tone="info">
          {t('register.createdPleaseSignIn')} <Link to="/login">{t('register.signIn')}</Link>
        </FormAlert>
      )}
      {failure !== null && <FormAlert>{errorMessage(failure, { t, tn })}</FormAlert>}
      <form className="auth-form" onSubmit={handleSubmit} noValidate>
        <Field
          id="register-name"
          data-testid="register-name"
          label={t('register.name')}
          autoComplete="name"
          autoFocus
          value={values.name}
          onChange={(event) => update('name', event.target.value)}
          error={fieldError('name')}
        />
        <Field
          id="register-username"
          data-testid="register-username"
          label={t('register.username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={values.username}
          onChange={(event) => update('username', event.target.value)}
          error={fieldError('username')}
          hint={t('register.usernameHint')}
        />
        <Field
          id="register-email"
          data-testid="register-email"
          label={t('register.email')}
          type="email"
          autoComplete="email"
          value={values.email}
          onChange={(event) => update('email', event.target.value)}
          error={fieldError('email')}
        />
        <div className="field-row">
          <Field
            id="register-password"
            data-testid="register-password"
            label={t('register.password')}
            type="password"
            autoComplete="new-password"
            value={values.password}
            onChange={(event) => update('password', event.target.value)}
            error={fieldError('password')}
            hint={t('register.passwordHint')}
          />
          <Field
            id="register-confirm"
            data-testid="register-confirm"
            label={t('register.confirm')}
            type="password"
            autoComplete="new-password"
            value={values.confirm}
            onChange={(event) => update('confirm', event.target.value)}
            error={fieldError('confirm')}
          />
        </div>
        <button type="submit" className="btn btn--primary btn--block" data-testid="register-submit" disabled={busy}>
          {busy ? t('register.submitting') : t('register.submit')}
        </button>
      </form>
    </AuthLayout>
  );
}
