import { Logo } from '../components/Logo';
import { useDocumentTitle, useI18n } from '../i18n/i18n';
import { Link } from '../lib/router';
import '../styles/auth.css';

export function NotFoundPage() {
  const { t } = useI18n();
  useDocumentTitle(t('title.notFound'));
  return (
    <main className="auth-page auth-page--centered">
      <div className="auth-card auth-card--narrow">
        <Logo size={30} />
        <h1>{t('notFound.title')}</h1>
        <p className="auth-subheading">{t('notFound.body')}</p>
        <Link to="/" className="btn btn--primary btn--block">
          {t('notFound.back')}
        </Link>
      </div>
    </main>
  );
}
