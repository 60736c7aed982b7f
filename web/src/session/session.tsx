// Who is signed in. The session itself is an HttpOnly cookie; we only keep the user and
// the CSRF token (in memory) and ask /auth/me at start-up.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, isAbort, setCsrfToken, setUnauthenticatedHandler, type User } from '../lib/api';
import { navigate } from '../lib/router';

export type SignedOutReason = 'expired' | 'signed-out';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; reason?: SignedOutReason }
  | { status: 'signed-in'; user: User };

interface SessionContextValue {
  state: SessionState;
  /** The X-Coffer-Instance that answered /auth/me, shown in the footer. */
  instance: string | null;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [instance, setInstance] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api
      .me(controller.signal)
      .then(({ data, headers }) => {
        setInstance(headers.get('X-Coffer-Instance'));
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
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // The server may already have dropped the session; either way we are signed out here.
    }
    setCsrfToken(null);
    setState({ status: 'anonymous', reason: 'signed-out' });
    navigate('/login');
  }, []);

  const value = useMemo(() => ({ state, instance, signIn, signOut }), [state, instance, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}
