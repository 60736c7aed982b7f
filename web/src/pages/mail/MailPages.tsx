import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api } from '../../api/api';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';
import { AuthLayout, FormAlert } from '../auth/AuthLayout';
import { MailForm } from './MailForm';

/** The `?token=` of a link in a mail. */
function useMailToken(): string {
  const [params] = useSearchParams();
  return params.get('token') ?? '';
}

/** /verify-email?token=… — the link of a verification mail. */
export function VerifyEmailPage() {
  const { t } = useI18n();
  useDocumentTitle(t('mail.verify.title'));
  const token = useMailToken();
  const verify = useMutation({ mutationFn: (value: string) => api.verifyEmail(value) });
  // A token works once: React's development double effects must not spend it twice.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    verify.mutate(token);
  }, [token, verify]);
  return (
    <AuthLayout heading={t('mail.verify.title')} subheading="" aside={<Link to="/">{t('mail.backToLibrary')}</Link>}>
      {verify.isSuccess ? (
        <FormAlert tone="info">{t('mail.verify.done')}</FormAlert>
      ) : verify.isError ? (
        <FormAlert>{t('mail.invalidLink')}</FormAlert>
      ) : (
        <FormAlert tone="info">{t('mail.verify.working')}</FormAlert>
      )}
    </AuthLayout>
  );
}

/** /forgot-password — asks for a reset link; the answer is the same for any address. */
export function ForgotPasswordPage() {
  const { t } = useI18n();
  return (
    <MailForm
      heading={t('mail.forgot.title')}
      subheading={t('mail.forgot.subheading')}
      field={{ id: 'forgot-email', label: t('register.email'), type: 'email', autoComplete: 'email' }}
      submitLabel={t('mail.forgot.submit')}
      submitTestId="forgot-submit"
      doneText={t('mail.forgot.sent')}
      send={(email) => api.forgotPassword(email.trim())}
    />
  );
}

/** /reset-password?token=… — the link of a reset mail. */
export function ResetPasswordPage() {
  const { t } = useI18n();
  const token = useMailToken();
  return (
    <MailForm
      heading={t('mail.reset.title')}
      subheading={t('mail.reset.subheading')}
      field={{ id: 'reset-password', label: t('mail.reset.password'), hint: t('register.passwordHint'), type: 'password', autoComplete: 'new-password', minLength: 10 }}
      submitLabel={t('mail.reset.submit')}
      submitTestId="reset-submit"
      doneText={t('mail.reset.done')}
      send={(password) => api.resetPassword(token, password)}
      describeFailure={(error) => (error instanceof ApiError && error.code === 'invalid_token' ? t('mail.invalidLink') : null)}
    />
  );
}
