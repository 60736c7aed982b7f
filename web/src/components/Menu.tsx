// A menu button (WAI-ARIA "menu button" pattern): arrow keys move between items, Home/End
// jump, Escape closes and returns focus to the button, Tab or a click elsewhere closes.
// The list is portalled to <body> with fixed positioning, so no overflow or backdrop-filter
// of an ancestor (a table wrapper, the top bar) can clip or offset it.
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { Link } from '../lib/router';
import { Icon, type IconName } from './Icon';

export interface MenuItem {
  key: string;
  label: string;
  icon?: IconName;
  testId?: string;
  tone?: 'danger';
  /** An in-app address: the item is a link (middle-click opens a tab). */
  to?: string;
  onSelect?(): void;
  /** Draws a divider above this item. */
  separated?: boolean;
}

interface MenuProps {
  /** The button's accessible name. */
  label: string;
  trigger: ReactNode;
  triggerClassName: string;
  triggerTestId?: string;
  /** Shown above the items (who is signed in, for instance); not focusable. */
  header?: ReactNode;
  items: MenuItem[];
  align?: 'start' | 'end';
  className?: string;
}

interface Position {
  top: number;
  left?: number;
  right?: number;
}

const GAP = 6;

export function Menu({ label, trigger, triggerClassName, triggerTestId, header, items, align = 'end', className }: MenuProps) {
  const [open, setOpen] = useState(false);
  const [position, setPosition] = useState<Position | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const itemRefs = useRef<Array<HTMLElement | null>>([]);
  /** Which item takes focus once the list is on screen. */
  const initialFocus = useRef<'first' | 'last'>('first');
  const menuId = useId();

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    setPosition(null);
    if (returnFocus) buttonRef.current?.focus();
  }, []);

  function openMenu(focus: 'first' | 'last'): void {
    initialFocus.current = focus;
    setOpen(true);
  }

  // Place the list under the button (or above it when there is no room below), then focus.
  useLayoutEffect(() => {
    if (!open) return;
    const button = buttonRef.current;
    const menu = menuRef.current;
    if (!button || !menu) return;
    const rect = button.getBoundingClientRect();
    const height = menu.offsetHeight;
    const below = rect.bottom + GAP;
    const top = below + height > window.innerHeight - 8 && rect.top - GAP - height > 8 ? rect.top - GAP - height : below;
    setPosition(align === 'end' ? { top, right: Math.max(8, window.innerWidth - rect.right) } : { top, left: Math.max(8, rect.left) });
  }, [open, align]);

  // Hidden elements cannot take focus: wait until the list is placed and visible.
  const placed = position !== null;
  useEffect(() => {
    if (!open || !placed) return;
    const focusables = itemRefs.current.filter((item): item is HTMLElement => item !== null);
    (initialFocus.current === 'first' ? focusables[0] : focusables[focusables.length - 1])?.focus({ preventScroll: true });
  }, [open, placed]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (menuRef.current?.contains(target) || buttonRef.current?.contains(target)) return;
      close(false);
    };
    // A fixed list would drift away from its button; close it instead.
    const onViewportChange = (event: Event) => {
      if (event.type === 'scroll' && menuRef.current?.contains(event.target as Node)) return;
      close(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('resize', onViewportChange);
    window.addEventListener('scroll', onViewportChange, true);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      window.removeEventListener('resize', onViewportChange);
      window.removeEventListener('scroll', onViewportChange, true);
    };
  }, [open, close]);

  function handleButtonKey(event: KeyboardEvent<HTMLButtonElement>): void {
    if (event.key === 'ArrowDown' || event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      openMenu('first');
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      openMenu('last');
    }
  }

  function handleMenuKey(event: KeyboardEvent<HTMLDivElement>): void {
    const focusables = itemRefs.current.filter((item): item is HTMLElement => item !== null);
    const index = focusables.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      focusables[(to + focusables.length) % focusables.length]?.focus();
    };
    if (event.key === 'ArrowDown') move(index + 1);
    else if (event.key === 'ArrowUp') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(focusables.length - 1);
    else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === 'Tab') close(false);
    else if (event.key === ' ' && index >= 0) {
      event.preventDefault();
      focusables[index].click();
    } else if (event.key.length === 1 && /\S/.test(event.key)) {
      // Type-ahead: the next item starting with that letter.
      const letter = event.key.toLocaleLowerCase();
      const order = [...focusables.slice(index + 1), ...focusables.slice(0, index + 1)];
      order.find((item) => item.textContent?.trim().toLocaleLowerCase().startsWith(letter))?.focus();
    }
  }

  function select(item: MenuItem): void {
    // Focus goes back to the button first, so a dialog opened by the item returns it there
    // when it closes; a navigation replaces the page (which then focuses its heading).
    close(true);
    item.onSelect?.();
  }

  itemRefs.current = [];
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className={triggerClassName}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid={triggerTestId}
        onClick={() => (open ? close(false) : openMenu('first'))}
        onKeyDown={handleButtonKey}
      >
        {trigger}
      </button>
      {open &&
        createPortal(
          <div
            ref={menuRef}
            className={`menu${className ? ` ${className}` : ''}`}
            style={position ? { top: position.top, left: position.left, right: position.right } : { visibility: 'hidden', top: 0, left: 0 }}
            onKeyDown={handleMenuKey}
          >
            {header && <div className="menu-header">{header}</div>}
            <div id={menuId} role="menu" aria-label={label} className="menu-items">
              {items.map((item, index) => {
                const content = (
                  <>
                    {item.icon && <Icon name={item.icon} size={18} />}
                    <span>{item.label}</span>
                  </>
                );
                const common = {
                  role: 'menuitem',
                  tabIndex: -1,
                  className: `menu-item${item.tone === 'danger' ? ' menu-item--danger' : ''}${item.separated ? ' menu-item--separated' : ''}`,
                  'data-testid': item.testId,
                } as const;
                return item.to !== undefined ? (
                  <Link key={item.key} {...common} ref={(element) => void (itemRefs.current[index] = element)} to={item.to} onClick={() => select(item)}>
                    {content}
                  </Link>
                ) : (
                  <button key={item.key} {...common} ref={(element) => void (itemRefs.current[index] = element)} type="button" onClick={() => select(item)}>
                    {content}
                  </button>
                );
              })}
            </div>
          </div>,
          document.body,
        )}
    </>
  );
}
