// A tiny history-API router: a path store, navigate(), <Link> and a route matcher.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'gallery' }
  | { name: 'viewer'; id: string }
  | { name: 'not-found' };

export function matchRoute(pathname: string): Route {
  if (pathname === '/login') return { name: 'login' };
  if (pathname === '/register') return { name: 'register' };
  if (pathname === '/' || pathname === '') return { name: 'gallery' };
  const viewer = /^\/files\/([^/]+)\/?$/.exec(pathname);
  if (viewer) return { name: 'viewer', id: decodeURIComponent(viewer[1]) };
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
