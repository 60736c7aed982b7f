import { useEffect } from 'react';
import { LogoMark } from './components/Logo';
import { Spinner } from './components/Spinner';
import { useI18n } from './i18n/i18n';
import { matchRoute, navigate, usePathname } from './lib/router';
import { LoginPage } from './pages/auth/LoginPage';
import { RegisterPage } from './pages/auth/RegisterPage';
import { LibraryPage } from './pages/gallery/LibraryPage';
import { NotFoundPage } from './pages/NotFoundPage';
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

  if (state.status === 'loading') return <Splash />;

  if (state.status === 'anonymous') {
    if (route.name === 'login') return <LoginPage />;
    if (route.name === 'register') return <RegisterPage />;
    return <Redirect to="/login" />;
  }

  switch (route.name) {
    case 'login':
    case 'register':
      return <Redirect to="/" />;
    case 'gallery':
      return <LibraryPage user={state.user} viewerId={null} />;
    case 'viewer':
      return <LibraryPage user={state.user} viewerId={route.id} />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
