import { Navigate, Route, Routes, useParams } from 'react-router';
import { LogoMark } from './components/Logo';
import { Spinner } from './components/Spinner';
import { useI18n } from './i18n/i18n';
import { ADMIN_TABS, type AdminTab } from './lib/router';
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
import { MailBanner } from './pages/mail/MailBanner';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/mail/MailPages';
import { useSession } from './session/session';
import type { User } from './api/api';
import { useLiveEvents } from './api/liveEvents';
import { DuplicatesPage } from './pages/duplicates/DuplicatesPage';
import { PeoplePage } from './pages/people/PeoplePage';
import { PersonPage } from './pages/people/PersonPage';

function Splash() {
  const { t } = useI18n();
  return (
    <div className="splash">
      <LogoMark size={44} />
      <Spinner label={t('app.loading')} size={22} />
    </div>
  );
}

function PublicLinkRoute() {
  const { token = '' } = useParams();
  return <PublicLinkPage key={token} token={token} />;
}

function AdminRoute({ user }: { user: User }) {
  const { tab } = useParams();
  if (!user.isAdmin) return <NotFoundPage />;
  if (!(ADMIN_TABS as readonly string[]).includes(tab ?? '')) return <NotFoundPage />;
  return <AdminPage user={user} tab={tab as AdminTab} />;
}

function ViewerRoute({ user, shared }: { user: User; shared: boolean }) {
  const { id = '' } = useParams();
  return shared ? <SharedPage user={user} viewerId={id} /> : <LibraryPage user={user} viewerId={id} />;
}

function PersonRoute({ user }: { user: User }) {
  const { id = '', fileId } = useParams();
  return <PersonPage key={id} user={user} personId={id} viewerId={fileId ?? null} />;
}

function SignedInRoutes({ user }: { user: User }) {
  // One event stream per signed-in tab: thumbnails and tags show as their steps end.
  useLiveEvents();
  return (
    <>
      <MailBanner user={user} />
      <Routes>
        <Route path="/" element={<LibraryPage user={user} viewerId={null} />} />
        <Route path="/files/:id" element={<ViewerRoute user={user} shared={false} />} />
        <Route path="/shared" element={<SharedPage user={user} viewerId={null} />} />
        <Route path="/shared/:id" element={<ViewerRoute user={user} shared />} />
        <Route path="/duplicates" element={<DuplicatesPage user={user} />} />
        <Route path="/people" element={<PeoplePage user={user} />} />
        <Route path="/people/:id" element={<PersonRoute user={user} />} />
        <Route path="/people/:id/files/:fileId" element={<PersonRoute user={user} />} />
        <Route path="/settings" element={<SettingsPage user={user} />} />
        <Route path="/tokens" element={<TokensPage user={user} />} />
        <Route path="/admin" element={user.isAdmin ? <Navigate to="/admin/users" replace /> : <NotFoundPage />} />
        <Route path="/admin/:tab" element={<AdminRoute user={user} />} />
        <Route path="/login" element={<Navigate to="/" replace />} />
        <Route path="/register" element={<Navigate to="/" replace />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </>
  );
}

function SessionRoutes() {
  const { state } = useSession();
  if (state.status === 'loading') return <Splash />;
  if (state.status === 'signed-in') return <SignedInRoutes user={state.user} />;
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route path="*" element={<Navigate to="/login" replace />} />
    </Routes>
  );
}

export function App() {
  return (
    <Routes>
      {/* A public link is for anyone, signed in or not: it never waits for the session. */}
      <Route path="/s/:token" element={<PublicLinkRoute />} />
      {/* "Who is this?" is for anyone too, and sends no credentials. */}
      <Route path="/who" element={<WhoPage />} />
      {/* Mail links work signed in or not. */}
      <Route path="/verify-email" element={<VerifyEmailPage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="*" element={<SessionRoutes />} />
    </Routes>
  );
}
