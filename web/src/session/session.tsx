// Who is signed in. The session itself is an HttpOnly cookie; we only keep the user and
// the CSRF token (in memory) and ask /auth/me at start-up.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api, isAbort, setCsrfToken, setUnauthenticatedHandler, type User } from '../api/api';

export type SignedOutReason = 'expired' | 'signed-out' | 'signed-out-everywhere';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; reason?: SignedOutReason }
  | { status: 'signed-in'; user: User };

interface SessionContextValue {
  state: SessionState;
  /** The X-Coffer-Instance that answered /auth/me, shown to administrators in the footer. */
  instance: string | null;
  /** The largest upload the server takes (from /auth/me); null until known. */
  maxUploadBytes: number | null;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Ends every session of the user (this one too); throws if the server refuses. */
  signOutEverywhere(): Promise<void>;
  /** Changes the password; the server replaces our session, so the CSRF token changes too. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [instance, setInstance] = useState<string | null>(null);
  const [maxUploadBytes, setMaxUploadBytes] = useState<number | null>(null);
  const queries = useQueryClient();

  useEffect(() => {
    const controller = new AbortController();
    api
      .me(controller.signal)
      .then(({ data, headers }) => {
        setInstance(headers.get('X-Coffer-Instance'));
        setMaxUploadBytes(data.limits.maxUploadBytes);
        setCsrfToken(data.csrfToken);
        setState({ status: 'signed-in', user: data.user });
      })
      .catch((error: unknown) => {
        if (isAbort(error)) return;
        if (error instanceof ApiError) setInstance(error.headers?.get('X-Coffer-Instance') ?? null);
        setState({ status: 'anonymous' });
      });
    return () => controller.abort();
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      setState({ status: 'anonymous', reason: 'expired' });
    });
    return () => setUnauthenticatedHandler(null);
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const { data } = await api.login(username, password);
    setCsrfToken(data.csrfToken);
    setState({ status: 'signed-in', user: data.user });
    // The limits come with /auth/me; uploads check them only once known.
    api.me().then(({ data: me, headers }) => {
      setMaxUploadBytes(me.limits.maxUploadBytes);
      setInstance(headers.get('X-Coffer-Instance'));
    }, () => undefined);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // The server may already have dropped the session; either way we are signed out here.
    }
    setCsrfToken(null);
    // The next person at this browser must not see the cached lists of this one.
    queries.clear();
    setState({ status: 'anonymous', reason: 'signed-out' });
  }, [queries]);

  const signOutEverywhere = useCallback(async () => {
    await api.logout({ everywhere: true });
    setCsrfToken(null);
    queries.clear();
    setState({ status: 'anonymous', reason: 'signed-out-everywhere' });
  }, [queries]);

  const changePassword = useCallback(async (currentPassword: string, newPassword: string) => {
    const { data } = await api.changePassword(currentPassword, newPassword);
    setCsrfToken(data.csrfToken);
    setState({ status: 'signed-in', user: data.user });
  }, []);

  const value = useMemo(
    () => ({ state, instance, maxUploadBytes, signIn, signOut, signOutEverywhere, changePassword }),
    [state, instance, maxUploadBytes, signIn, signOut, signOutEverywhere, changePassword],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}
