import { useMutation } from '@tanstack/react-query';
import { api, type User } from '../../api/api';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';

/** The user's address cannot receive mail (it bounced or complained), or is not verified yet. */
export function MailBanner({ user }: { user: User }) {
  const { t } = useI18n();
  const resend = useMutation({ mutationFn: () => api.resendVerification() });
  if (user.emailSuppressed) {
    return (
      <div className="form-alert form-alert--error mail-banner" role="status">
        {t('mail.banner.suppressed', { email: user.email })} <Link to="/settings">{t('mail.banner.fix')}</Link>
      </div>
    );
  }
  if (user.emailVerified) return null;
  return (
    <div className="form-alert form-alert--info mail-banner" role="status">
      {t('mail.banner.unverified', { email: user.email })}{' '}
      {resend.isIdle || resend.isPending ? (
        <button type="button" className="link-button" disabled={resend.isPending} onClick={() => resend.mutate()}>
          {t('mail.banner.resend')}
        </button>
      ) : (
        t(resend.isSuccess ? 'mail.banner.resent' : 'mail.banner.resendFailed')
      )}
    </div>
  );
}
