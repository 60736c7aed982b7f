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
import { WhoPage } from './pages/who/WhoPage';
import { useSession } from './session/session';

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
  if (route.name === 'who') return <WhoPage />;

  if (state.status === 'loading') return <Splash />;

  if (state.status === 'anonymous') {
    if (route.name === 'login') return <LoginPage />;
    if (route.name === 'register') return <RegisterPage />;
    return <Redirect to="/login" />;
  }

  const { user } = state;
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
      return <NotFoundPage />;
  }
}
