import { useEffect } from 'react';
import { LogoMark } from './components/Logo';
import { Spinner } from './components/Spinner';
import { useI18n } from './i18n/i18n';
import { matchRoute, navigate, usePathname } from './lib/router';
import { SettingsPage } from './pages/account/SettingsPage';
import { AdminPage } from './pages/admin/AdminPage';
import { LoginPage } from './pages/auth/LoginPage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { LibraryPage } from './pages/gallery/LibraryPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PublicLinkPage } from './pages/public/PublicLinkPage';
import { SharedPage } from './pages/shared/SharedPage';
import { TokensPage } from './pages/tokens/TokensPage';
import { MailBanner } from './pages/mail/MailBanner';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/mail/MailPages';
import { useSession } from './session/session';
import type { User } from './lib/api';

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Splash() {
  const { t } = useI18n();
  return (
    <div className="splash">
      <LogoMark size={44} />
      <Spinner label={t('app.loading')} size={22} />
    </div>
  );
}

export function App() {
  const { state } = useSession();
  const route = matchRoute(usePathname());

  // A public link is for anyone, signed in or not: it never waits for the session.
  if (route.name === 'public-link') return <PublicLinkPage token={route.token} />;
  // Mail links work signed in or not.
  if (route.name === 'verify-email') return <VerifyEmailPage />;
  if (route.name === 'forgot-password') return <ForgotPasswordPage />;
  if (route.name === 'reset-password') return <ResetPasswordPage />;

  if (state.status === 'loading') return <Splash />;

  if (state.status === 'anonymous') {
    if (route.name === 'login') return <LoginPage />;
    if (route.name === 'register') return <RegisterPage />;
    return <Redirect to="/login" />;
  }

  const { user } = state;
  return (
    <>
      <MailBanner user={user} />
      {signedInPage(route, user)}
    </>
  );
}

function signedInPage(route: ReturnType<typeof matchRoute>, user: User) {
  switch (route.name) {
    case 'login':
    case 'register':
      return <Redirect to="/" />;
    case 'gallery':
      return <LibraryPage user={user} viewerId={null} />;
    case 'viewer':
      return <LibraryPage user={user} viewerId={route.id} />;
    case 'shared':
      return <SharedPage user={user} viewerId={null} />;
    case 'shared-viewer':
      return <SharedPage user={user} viewerId={route.id} />;
    case 'settings':
      return <SettingsPage user={user} />;
    case 'tokens':
      return <TokensPage user={user} />;
    case 'admin':
      if (!user.isAdmin) return <NotFoundPage />;
      if (route.tab === null) return <Redirect to="/admin/users" />;
      return <AdminPage user={user} tab={route.tab} />;
    case 'not-found':
    default:
      return <NotFoundPage />;
  }
}
