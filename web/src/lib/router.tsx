// A tiny history-API router: a path store, navigate(), <Link> and a route matcher.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type Ref } from 'react';

export type AdminTab = 'users' | 'audit' | 'instances';

export type Route =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'gallery' }
  | { name: 'viewer'; id: string }
  | { name: 'shared' }
  | { name: 'shared-viewer'; id: string }
  | { name: 'settings' }
  | { name: 'tokens' }
  | { name: 'admin'; tab: AdminTab | null }
  | { name: 'public-link'; token: string }
  | { name: 'who' }
  | { name: 'not-found' };

const ADMIN_TABS: readonly AdminTab[] = ['users', 'audit', 'instances'];

function segment(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/login') return { name: 'login' };
  if (path === '/register') return { name: 'register' };
  if (path === '/' || path === '') return { name: 'gallery' };
  if (path === '/shared') return { name: 'shared' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/tokens') return { name: 'tokens' };
  if (path === '/admin') return { name: 'admin', tab: null };
  if (path === '/who') return { name: 'who' };

  const viewer = /^\/files\/([^/]+)$/.exec(path);
  const sharedViewer = /^\/shared\/([^/]+)$/.exec(path);
  const link = /^\/s\/([^/]+)$/.exec(path);
  const admin = /^\/admin\/([^/]+)$/.exec(path);
  const id = segment((viewer ?? sharedViewer ?? link)?.[1] ?? '');
  if (viewer && id) return { name: 'viewer', id };
  if (sharedViewer && id) return { name: 'shared-viewer', id };
  if (link && id) return { name: 'public-link', token: id };
  if (admin && (ADMIN_TABS as readonly string[]).includes(admin[1])) return { name: 'admin', tab: admin[1] as AdminTab };
  return { name: 'not-found' };
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function getPathname(): string {
  return window.location.pathname;
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, getPathname);
}

/** State we keep in history entries; see ViewerPage for why `fromGallery` matters. */
export interface HistoryState {
  fromGallery?: boolean;
}

export function currentHistoryState(): HistoryState {
  return (window.history.state as HistoryState | null) ?? {};
}

export function navigate(to: string, options: { replace?: boolean; state?: HistoryState } = {}): void {
  if (options.replace) window.history.replaceState(options.state ?? null, '', to);
  else window.history.pushState(options.state ?? null, '', to);
  notify();
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
  to: string;
  state?: HistoryState;
  ref?: Ref<HTMLAnchorElement>;
};

/** An ordinary anchor (so middle-click and "open in new tab" work) that routes in-page. */
export function Link({ to, state, onClick, ...rest }: LinkProps) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>): void {
    onClick?.(event);
    const plainClick = event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
    if (event.defaultPrevented || !plainClick) return;
    event.preventDefault();
    navigate(to, { state });
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}
