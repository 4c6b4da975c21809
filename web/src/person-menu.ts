// A person's menu ("Options for Ann"): Block / Unblock, and whatever else the place offers (remove from
// the group, roles); the same kind of menu serves a chat's notifications. A menu button as ARIA
// describes it: arrow keys, Home/End, Escape and Tab; a popup beside the button on a wide screen, a sheet
// at the bottom on a phone. Inside a modal dialog it opens in that dialog (everything outside a modal
// dialog is inert).

import { block, isBlocked, unblock } from './blocks';
import { h } from './dom';
import { moveMenuFocus } from './menu-keys';
import type { PublicUser } from './sdk';

export interface PersonMenuItem {
  label: string;
  run(): void | Promise<void>;
  danger?: boolean;
}

const PHONE = '(max-width: 767px)';
let open: { menu: HTMLElement; backdrop: HTMLElement; button: HTMLButtonElement } | null = null;

/** "Block Ann" or "Unblock Ann", as the person is now; `report` hears a failure. */
export function blockItem(user: PublicUser, report: (error: unknown) => void): PersonMenuItem {
  const blocked = isBlocked(user.id);
  return {
    label: `${blocked ? 'Unblock' : 'Block'} ${user.name}`,
    danger: !blocked,
    run: () => (blocked ? unblock(user.id) : block(user.id)).catch(report),
  };
}

export function personMenuButton(
  user: PublicUser,
  items: () => PersonMenuItem[],
  label = `Options for ${user.name}`,
): HTMLButtonElement {
  return actionsMenuButton({ label, menuLabel: `Actions for ${user.name}`, content: '⋯', items });
}

export interface ActionsMenuOptions {
  /** The button's accessible name. */
  label: string;
  /** The menu's accessible name. */
  menuLabel: string;
  /** What the button shows. */
  content: string | Node;
  /** Extra classes for the button. */
  className?: string;
  /** The items, as they are when the menu opens. */
  items(): PersonMenuItem[];
}

/** A menu button of the same kind for anything else (a chat's notifications). */
export function actionsMenuButton(options: ActionsMenuOptions): HTMLButtonElement {
  const button = h(
    'button',
    {
      type: 'button',
      class: `person-actions${options.className ? ` ${options.className}` : ''}`,
      'aria-label': options.label,
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
    },
    options.content,
  );
  button.addEventListener('click', () => {
    if (open?.button === button) closePersonMenu(true);
    else openMenu(button, options.menuLabel, options.items());
  });
  return button;
}

export function closePersonMenu(restoreFocus = false): void {
  if (!open) return;
  const { menu, backdrop, button } = open;
  open = null;
  menu.remove();
  backdrop.remove();
  button.setAttribute('aria-expanded', 'false');
  if (restoreFocus && button.isConnected) button.focus();
}

function openMenu(button: HTMLButtonElement, label: string, items: PersonMenuItem[]): void {
  closePersonMenu();
  const menu = h(
    'div',
    { role: 'menu', class: 'message-menu person-menu', 'aria-label': label },
    ...items.map((item) => {
      const element = h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          class: `menu-item${item.danger ? ' danger' : ''}`,
          tabindex: '-1',
        },
        item.label,
      );
      element.addEventListener('click', () => {
        closePersonMenu(true);
        void item.run();
      });
      return element;
    }),
  );
  const backdrop = h('div', { class: 'menu-backdrop' });
  backdrop.addEventListener('click', () => closePersonMenu(true));
  menu.addEventListener('keydown', (event) => onKey(event, menu));
  const sheet = window.matchMedia(PHONE).matches;
  menu.classList.toggle('sheet', sheet);
  backdrop.classList.toggle('sheet', sheet);
  (button.closest('dialog') ?? document.body).append(backdrop, menu);
  if (!sheet) {
    const at = button.getBoundingClientRect();
    const { width, height } = menu.getBoundingClientRect();
    const top =
      at.bottom + height + 8 > window.innerHeight ? Math.max(8, at.top - height - 4) : at.bottom + 4;
    menu.style.top = `${top}px`;
    menu.style.left = `${Math.max(8, Math.min(at.right - width, window.innerWidth - width - 8))}px`;
  }
  open = { menu, backdrop, button };
  button.setAttribute('aria-expanded', 'true');
  menu.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
}

function onKey(event: KeyboardEvent, menu: HTMLElement): void {
  if (moveMenuFocus(event, [...menu.querySelectorAll<HTMLElement>('[role="menuitem"]')])) return;
  if (event.key === 'Escape') {
    // Not the dialog's Escape too: the menu closes, the dialog stays.
    event.preventDefault();
    event.stopPropagation();
    closePersonMenu(true);
  } else if (event.key === 'Tab') {
    closePersonMenu(true);
  }
}
