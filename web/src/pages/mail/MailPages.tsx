import { useEffect, useState, type FormEvent } from 'react';
import { Field } from '../../components/Field';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { Link } from '../../lib/router';
import { AuthLayout, FormAlert } from '../auth/AuthLayout';
import { mailApi, tokenFromLocation } from './mailApi';

/** /verify-email?token=… — the link of a verification mail. */
export function VerifyEmailPage() {
  const { t } = useI18n();
  useDocumentTitle(t('mail.verify.title'));
  const [state, setState] = useState<'working' | 'done' | 'failed'>('working');
  useEffect(() => {
    let live = true;
    mailApi.verifyEmail(tokenFromLocation()).then(
      () => live && setState('done'),
      () => live && setState('failed'),
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <AuthLayout heading={t('mail.verify.title')} subheading="" aside={<Link to="/">{t('mail.backToLibrary')}</Link>}>
      {state === 'working' && <FormAlert tone="info">{t('mail.verify.working')}</FormAlert>}
      {state === 'done' && <FormAlert tone="info">{t('mail.verify.done')}</FormAlert>}
      {state === 'failed' && <FormAlert>{t('mail.invalidLink')}</FormAlert>}
    </AuthLayout>
  );
}

/** /forgot-password — asks for a reset link; the answer is the same for any address. */
export function ForgotPasswordPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('mail.forgot.title'));
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await mailApi.forgotPassword(email.trim());
      setSent(true);
    } catch (error) {
      setFailure(error);
    }
    setBusy(false);
  }
  return (
    <AuthLayout heading={t('mail.forgot.title')} subheading={t('mail.forgot.subheading')} aside={<Link to="/login">{t('mail.backToSignIn')}</Link>}>
      {sent ? (
        <FormAlert tone="info">{t('mail.forgot.sent')}</FormAlert>
      ) : (
        <form onSubmit={submit} noValidate>
          {failure ? <FormAlert>{errorMessage(failure, { t, tn })}</FormAlert> : null}
          <Field id="forgot-email" label={t('register.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <SubmitButton testId="forgot-submit" busy={busy} label={t('mail.forgot.submit')} busyLabel={t('mail.sending')} block />
        </form>
      )}
    </AuthLayout>
  );
}

/** /reset-password?token=… — the link of a reset mail. */
export function ResetPasswordPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('mail.reset.title'));
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await mailApi.resetPassword(tokenFromLocation(), password);
      setDone(true);
    } catch (error) {
      setFailure(error);
    }
    setBusy(false);
  }
  const failureText = failure instanceof ApiError && failure.code === 'invalid_token' ? t('mail.invalidLink') : failure ? errorMessage(failure, { t, tn }) : null;
  return (
    <AuthLayout heading={t('mail.reset.title')} subheading={t('mail.reset.subheading')} aside={<Link to="/login">{t('mail.backToSignIn')}</Link>}>
      {done ? (
        <FormAlert tone="info">{t('mail.reset.done')}</FormAlert>
      ) : (
        <form onSubmit={submit} noValidate>
          {failureText ? <FormAlert>{failureText}</FormAlert> : null}
          <Field id="reset-password" label={t('mail.reset.password')} hint={t('register.passwordHint')} type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />
          <SubmitButton testId="reset-submit" busy={busy} label={t('mail.reset.submit')} busyLabel={t('mail.sending')} block />
        </form>
      )}
    </AuthLayout>
  );
}
