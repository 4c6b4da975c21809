// The menu of a message: one "Message actions" button per message opens it. A menu button as ARIA
// describes it (arrow keys, Home/End, Escape and Tab), a popup beside the button on a wide screen and a
// sheet at the bottom on a phone; a tap outside closes it.

import { h } from './dom';
import { moveMenuFocus } from './menu-keys';
import type { Message } from './sdk';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** Where the menu's choices go. Each gets the message as it is when the menu opened. */
export interface MenuActions {
  message(id: string): Message | undefined;
  meId(): string | undefined;
  reply(message: Message): void;
  edit(message: Message): void;
  delete(message: Message, scope: 'everyone' | 'me'): void;
  react(message: Message, emoji: string, add: boolean): void;
}

const MENU_ID = 'message-menu';
const PHONE = '(max-width: 767px)';

let open: { menu: HTMLElement; backdrop: HTMLElement; button: HTMLButtonElement } | null = null;

export function menuButton(messageId: string, actions: MenuActions): HTMLButtonElement {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'message-actions',
      'aria-label': 'Message actions',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
    },
    '⋯',
  );
  button.addEventListener('click', () => {
    const message = actions.message(messageId);
    if (open?.button === button) closeMenu(true);
    else if (message) openMenu(button, message, actions);
  });
  button.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const message = actions.message(messageId);
    if (!message) return;
    event.preventDefault();
    openMenu(button, message, actions, event.key === 'ArrowUp' ? 'last' : 'first');
  });
  return button;
}

export function closeMenu(restoreFocus = false): void {
  if (!open) return;
  const { menu, backdrop, button } = open;
  open = null;
  menu.remove();
  backdrop.remove();
  window.removeEventListener('resize', onResize);
  button.setAttribute('aria-expanded', 'false');
  button.removeAttribute('aria-controls');
  if (restoreFocus && button.isConnected) button.focus();
}

function onResize(): void {
  closeMenu();
}

function openMenu(
  button: HTMLButtonElement,
  message: Message,
  actions: MenuActions,
  focus: 'first' | 'last' = 'first',
): void {
  closeMenu();
  const mine = message.sender.id === actions.meId();
  const deleted = message.deletedAt !== null;
  const item = (label: string, run: () => void, danger = false) => {
    const element = h(
      'button',
      { type: 'button', role: 'menuitem', class: `menu-item${danger ? ' danger' : ''}`, tabindex: '-1' },
      label,
    );
    element.addEventListener('click', () => {
      closeMenu(true);
      run();
    });
    return element;
  };
  const picks = deleted
    ? null
    : h(
        'div',
        { class: 'reaction-picks', role: 'group', 'aria-label': 'React' },
        ...QUICK_REACTIONS.map((emoji) => {
          const reacted = message.reactions.some((r) => r.emoji === emoji && r.me);
          const pick = h(
            'button',
            {
              type: 'button',
              role: 'menuitemcheckbox',
              class: 'pick',
              'aria-checked': String(reacted),
              'aria-label': `React with ${emoji}`,
              tabindex: '-1',
            },
            emoji,
          );
          pick.addEventListener('click', () => {
            closeMenu(true);
            actions.react(message, emoji, !reacted);
          });
          return pick;
        }),
      );
  const menu = h(
    'div',
    { id: MENU_ID, role: 'menu', class: 'message-menu', 'aria-label': 'Message actions' },
    picks,
    deleted ? null : item('Reply', () => actions.reply(message)),
    // Text only: a media message's caption is not edited here.
    mine && !deleted && !message.mediaUrl ? item('Edit', () => actions.edit(message)) : null,
    mine && !deleted ? item('Delete for everyone', () => actions.delete(message, 'everyone'), true) : null,
    item('Delete for me', () => actions.delete(message, 'me'), true),
  );
  const backdrop = h('div', { class: 'menu-backdrop' });
  backdrop.addEventListener('click', () => closeMenu(true));
  menu.addEventListener('keydown', (event) => onKey(event, menu));

  const sheet = window.matchMedia(PHONE).matches;
  menu.classList.toggle('sheet', sheet);
  backdrop.classList.toggle('sheet', sheet);
  document.body.append(backdrop, menu);
  if (!sheet) position(menu, button);
  open = { menu, backdrop, button };
  window.addEventListener('resize', onResize);
  button.setAttribute('aria-expanded', 'true');
  button.setAttribute('aria-controls', MENU_ID);
  const items = itemsOf(menu);
  (focus === 'first' ? items[0] : items.at(-1))?.focus();
}

/** Below the button, its right edge on the button's (or above it, or moved in, where the window ends). */
function position(menu: HTMLElement, button: HTMLElement): void {
  const at = button.getBoundingClientRect();
  const { width, height } = menu.getBoundingClientRect();
  const margin = 8;
  let top = at.bottom + 4;
  if (top + height > window.innerHeight - margin) top = Math.max(margin, at.top - height - 4);
  const left = Math.min(Math.max(margin, at.right - width), window.innerWidth - width - margin);
  menu.style.top = `${top}px`;
  menu.style.left = `${Math.max(margin, left)}px`;
}

function itemsOf(menu: HTMLElement): HTMLElement[] {
  return [...menu.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
}

function onKey(event: KeyboardEvent, menu: HTMLElement): void {
  if (moveMenuFocus(event, itemsOf(menu), true)) return;
  if (event.key === 'Escape') {
    event.preventDefault();
    closeMenu(true);
  } else if (event.key === 'Tab') {
    // Back on the button, from where Tab goes on as usual.
    closeMenu(true);
  }
}
