import type { ReactNode } from 'react';
import { Footer } from '../../components/Footer';
import { LangSwitch } from '../../components/LangSwitch';
import { Logo } from '../../components/Logo';
import { useI18n } from '../../i18n/i18n';
import '../../styles/auth.css';

interface AuthLayoutProps {
  heading: string;
  subheading: string;
  children: ReactNode;
  /** The "Already have an account? Sign in" line under the card. */
  aside: ReactNode;
}

export function AuthLayout({ heading, subheading, children, aside }: AuthLayoutProps) {
  const { t } = useI18n();
  return (
    <div className="auth-page">
      <header className="auth-header">
        <Logo size={30} />
        <LangSwitch />
      </header>
      <main className="auth-main">
        <section className="auth-card" aria-labelledby="auth-heading">
          <h1 id="auth-heading">{heading}</h1>
          <p className="auth-subheading">{subheading}</p>
          {children}
        </section>
        <p className="auth-aside">{aside}</p>
        <p className="auth-tagline">{t('app.tagline')}</p>
      </main>
      <Footer />
    </div>
  );
}

export function FormAlert({ tone = 'error', children }: { tone?: 'error' | 'info'; children: ReactNode }) {
  return (
    <div className={`form-alert form-alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
