import { useEffect, useRef, type RefObject } from 'react';

interface Navigation {
  /** Dialogs and forms of the viewer have the keyboard to themselves while open. */
  busy: boolean;
  close(): void;
  previous?: () => void;
  next?: () => void;
}

/** A horizontal swipe of at least this many pixels, more sideways than up or down, changes file. */
const SWIPE_MIN_PX = 60;
/** The height of the browsers' media control bar at the bottom of a player. */
const CONTROL_BAR_PX = 64;

/** Whether a touch lands on a player's controls, where a swipe is a seek. */
function onMediaControls(target: EventTarget | null, y: number): boolean {
  const player = target instanceof Element ? target.closest('video, audio') : null;
  if (!player) return false;
  return player.tagName === 'AUDIO' || y > player.getBoundingClientRect().bottom - CONTROL_BAR_PX;
}

/**
 * Escape closes the viewer and the arrow keys move between files. The listener captures:
 * the browser's media controls (a seek bar that has focus inside <video>) swallow keys
 * before they bubble, and Escape must close the viewer from there too.
 */
export function useViewerKeys({ busy, close, previous, next }: Navigation): void {
  const latest = useRef({ busy, close, previous, next });
  useEffect(() => {
    latest.current = { busy, close, previous, next };
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const current = latest.current;
      if (current.busy || event.defaultPrevented) return;
      // Escape first leaves a full-screen player; the browser handles that itself.
      if (document.fullscreenElement) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (event.key === 'Escape') {
        event.preventDefault();
        current.close();
        return;
      }
      // Arrow keys belong to form fields and media controls (seeking, volume).
      if (target?.closest('input, textarea, select, video, audio')) return;
      if (event.key === 'ArrowLeft') current.previous?.();
      else if (event.key === 'ArrowRight') current.next?.();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, []);
}

/** Swipe left for the next file, right for the previous one (touch screens). */
export function useSwipe(area: RefObject<HTMLElement | null>, { busy, previous, next }: Omit<Navigation, 'close'>): void {
  const latest = useRef({ busy, previous, next });
  useEffect(() => {
    latest.current = { busy, previous, next };
  });
  useEffect(() => {
    const element = area.current;
    if (!element) return;
    let start: { x: number; y: number } | null = null;
    const onStart = (event: TouchEvent) => {
      const touch = event.touches[0];
      start = touch && event.touches.length === 1 && !onMediaControls(event.target, touch.clientY) ? { x: touch.clientX, y: touch.clientY } : null;
    };
    const onEnd = (event: TouchEvent) => {
      const touch = event.changedTouches[0];
      if (!start || !touch || latest.current.busy) return;
      const dx = touch.clientX - start.x;
      const dy = touch.clientY - start.y;
      start = null;
      if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < Math.abs(dy) * 1.5) return;
      if (dx < 0) latest.current.next?.();
      else latest.current.previous?.();
    };
    element.addEventListener('touchstart', onStart, { passive: true });
    element.addEventListener('touchend', onEnd, { passive: true });
    return () => {
      element.removeEventListener('touchstart', onStart);
      element.removeEventListener('touchend', onEnd);
    };
  }, [area]);
}
