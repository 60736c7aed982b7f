import { useState, type FormEvent } from 'react';
import { Field } from '../../components/Field';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { ApiError } from '../../api/api';
import { Link } from '../../lib/router';
import { useFormFields } from '../../lib/useFormFields';
import { validateLogin, type LoginField } from '../../lib/validation';
import { useSession } from '../../session/session';
import { AuthLayout, FormAlert } from './AuthLayout';

const FIELDS: LoginField[] = ['username', 'password'];
const EMPTY: Record<LoginField, string> = { username: '', password: '' };

export function LoginPage() {
  const { t, tn } = useI18n();
  const { state, signIn } = useSession();
  useDocumentTitle(t('title.login'));

  const form = useFormFields({ initial: EMPTY, fields: FIELDS, idOf: (field) => `login-${field}`, validate: validateLogin });
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    if (!form.check()) return;
    setBusy(true);
    try {
      await signIn(form.values.username.trim(), form.values.password);
      // The session change re-renders <App>, which leaves this page.
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.details.length > 0) {
        const byField: Partial<Record<LoginField, string>> = {};
        for (const detail of error.details) {
          if (detail.field === 'username' || detail.field === 'password') byField[detail.field] = detail.message;
        }
        form.setServerErrors(byField);
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
          {t('login.noAccount')} <Link to="/register">{t('login.createAccount')}</Link> · <Link to="/forgot-password">{t('mail.forgot.link')}</Link>
        </>
      }
    >
      {failureText ? <FormAlert>{failureText}</FormAlert> : notice && <FormAlert tone="info">{notice}</FormAlert>}
      <form className="auth-form" onSubmit={handleSubmit} noValidate>
        <Field {...form.bind('username')} label={t('login.username')} autoComplete="username" autoCapitalize="none" spellCheck={false} autoFocus />
        <Field {...form.bind('password')} label={t('login.password')} type="password" autoComplete="current-password" />
        <SubmitButton block busy={busy} testId="login-submit" label={t('login.submit')} busyLabel={t('login.submitting')} />
      </form>
    </AuthLayout>
  );
}
