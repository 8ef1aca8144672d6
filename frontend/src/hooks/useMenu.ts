/**
 * A menu button's behaviour (the Export menu, the account menu): the first item takes focus on
 * open, arrows / Home / End move between items, Escape closes and gives focus back to the
 * button, Tab or a click elsewhere closes.
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

/** The menu's items that can be chosen, in order. */
function menuItems(menu: HTMLElement | null): HTMLElement[] {
  return Array.from(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? []);
}

export function useMenu() {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  // Focus the first item on open; close on a click elsewhere.
  useEffect(() => {
    if (!open) return;
    menuItems(menuRef.current)[0]?.focus();
    const onDown = (event: globalThis.MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  }, []);

  const toggle = useCallback(() => setOpen((v) => !v), []);

  /** ArrowDown on the closed menu's button opens it. */
  const onButtonKeyDown = useCallback(
    (event: KeyboardEvent<HTMLButtonElement>) => {
      if (event.key === 'ArrowDown' && !open) {
        event.preventDefault();
        setOpen(true);
      }
    },
    [open],
  );

  const onMenuKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      const all = menuItems(menuRef.current);
      const at = all.indexOf(document.activeElement as HTMLElement);
      let next = -1;
      if (event.key === 'ArrowDown') next = (at + 1) % all.length;
      else if (event.key === 'ArrowUp') next = (at - 1 + all.length) % all.length;
      else if (event.key === 'Home') next = 0;
      else if (event.key === 'End') next = all.length - 1;
      else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close(true);
        return;
      } else if (event.key === 'Tab') {
        setOpen(false);
        return;
      }
      if (next < 0 || all.length === 0) return;
      event.preventDefault();
      all[next]?.focus();
    },
    [close],
  );

  return { open, setOpen, toggle, close, menuId, rootRef, buttonRef, menuRef, onButtonKeyDown, onMenuKeyDown };
}
