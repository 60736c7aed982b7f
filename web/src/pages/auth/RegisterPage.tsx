import { useState, type FormEvent } from 'react';
import { Field } from '../../components/Field';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, api } from '../../api/api';
import { Link } from '../../lib/router';
import { useFormFields } from '../../lib/useFormFields';
import { validateRegister, type RegisterField } from '../../lib/validation';
import { useSession } from '../../session/session';
import { AuthLayout, FormAlert } from './AuthLayout';

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

  const form = useFormFields<RegisterField, ServerMessage>({
    initial: EMPTY,
    fields: FIELDS,
    idOf: (field) => `register-${field}`,
    validate: validateRegister,
    describeServerError: (message) => ('key' in message ? t(message.key) : message.text),
  });
  const [failure, setFailure] = useState<unknown>(null);
  const [createdButNotSignedIn, setCreatedButNotSignedIn] = useState(false);
  const [busy, setBusy] = useState(false);

  /** Spreads the server's `details` over the fields; returns false if none applied. */
  function applyServerDetails(error: ApiError): boolean {
    const byField: Partial<Record<RegisterField, ServerMessage>> = {};
    for (const detail of error.details) {
      const conflict = detail.reason ? CONFLICT_MESSAGES[detail.reason] : undefined;
      if (conflict) byField[conflict.field] = { key: conflict.key };
      else if (isRegisterField(detail.field)) byField[detail.field] = { text: detail.message };
    }
    return form.showServerErrors(byField);
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    if (!form.check()) return;

    setBusy(true);
    const { values } = form;
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
        <Field {...form.bind('name')} label={t('register.name')} autoComplete="name" autoFocus />
        <Field
          {...form.bind('username')}
          label={t('register.username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          hint={t('register.usernameHint')}
        />
        <Field {...form.bind('email')} label={t('register.email')} type="email" autoComplete="email" />
        <div className="field-row">
          <Field {...form.bind('password')} label={t('register.password')} type="password" autoComplete="new-password" hint={t('register.passwordHint')} />
          <Field {...form.bind('confirm')} label={t('register.confirm')} type="password" autoComplete="new-password" />
        </div>
        <SubmitButton block busy={busy} testId="register-submit" label={t('register.submit')} busyLabel={t('register.submitting')} />
      </form>
    </AuthLayout>
  );
}
