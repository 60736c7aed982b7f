import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import type { User } from '../../lib/api';
import { Link } from '../../lib/router';
import { mailApi } from './mailApi';

/** The user's address cannot receive mail (it bounced or complained), or is not verified yet. */
export function MailBanner({ user }: { user: User & { emailVerified?: boolean; emailSuppressed?: boolean } }) {
  const { t } = useI18n();
  const [resent, setResent] = useState<'idle' | 'sent' | 'failed'>('idle');
  if (user.emailSuppressed) {
    return (
      <div className="form-alert form-alert--error mail-banner" role="status">
        {t('mail.banner.suppressed', { email: user.email })} <Link to="/settings">{t('mail.banner.fix')}</Link>
      </div>
    );
  }
  if (user.emailVerified !== false) return null;
  return (
    <div className="form-alert form-alert--info mail-banner" role="status">
      {t('mail.banner.unverified', { email: user.email })}{' '}
      {resent === 'idle' ? (
        <button type="button" className="link-button" onClick={() => mailApi.resendVerification().then(() => setResent('sent'), () => setResent('failed'))}>
          {t('mail.banner.resend')}
        </button>
      ) : (
        t(resent === 'sent' ? 'mail.banner.resent' : 'mail.banner.resendFailed')
      )}
    </div>
  );
}
