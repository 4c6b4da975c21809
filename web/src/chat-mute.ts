// Muting a chat (PUT /api/chats/:chatId/notifications): the open chat's bell menu (mute for 8 hours, for
// a week, until turned back on; unmute), the "Muted" tag of the header and the mark of the chat list. A
// chat's view may come without `notifications` (a server before them): then it is simply not muted.
import type { ChatNotificationsInput, ChatNotificationsView } from '@live-chat/client';
import type { ChatState } from './chat-state';
import { h } from './dom';
import { actionsMenuButton, type PersonMenuItem } from './person-menu';
import { sdk } from './sdk';

const HOUR = 3_600_000;
const MUTES: { label: string; ms: number | null }[] = [
  { label: 'Mute for 8 hours', ms: 8 * HOUR },
  { label: 'Mute for 1 week', ms: 7 * 24 * HOUR },
  { label: 'Mute until turned back on', ms: null },
];

/** Muted now: `none` with no end, or an end still to come. */
export function isMuted(chat: ChatState, now = Date.now()): boolean {
  const settings = chat.notifications;
  if (settings?.level !== 'none') return false;
  return settings.mutedUntil === null || Date.parse(settings.mutedUntil) > now;
}

/** "Muted", or "Muted until <when>". */
export function mutedText(chat: ChatState): string {
  const until = chat.notifications?.mutedUntil;
  if (!until) return 'Muted';
  const at = new Date(until);
  const sameDay = at.toDateString() === new Date().toDateString();
  const when = sameDay
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  return `Muted until ${when}`;
}

export async function setChatNotifications(
  chatId: string,
  input: ChatNotificationsInput,
): Promise<ChatNotificationsView> {
  return sdk().api.setNotifications(chatId, input);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A bell, struck through when muted (drawn, not an emoji: every device has the same). */
function bell(muted: boolean): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'bell');
  const shapes = ['M12 3a5 5 0 0 0-5 5v4l-2 3h14l-2-3V8a5 5 0 0 0-5-5z', 'M10 18a2 2 0 0 0 4 0'];
  if (muted) shapes.push('M4 4l16 16');
  for (const d of shapes) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/** The chat list's mark for a muted chat (the item's label says "muted" too). */
export function muteMark(chat: ChatState): HTMLElement | null {
  if (!isMuted(chat)) return null;
  const text = mutedText(chat);
  return h('span', { class: 'mute-mark', role: 'img', 'aria-label': text, title: text }, bell(true));
}

/** The header's tag for a muted chat. */
export function muteTag(chat: ChatState): HTMLElement | null {
  return isMuted(chat) ? h('span', { class: 'mute-tag' }, mutedText(chat)) : null;
}

export interface MuteHooks {
  /** The server's answer: the chat's setting now. */
  changed(chatId: string, view: ChatNotificationsView): void;
  report(error: unknown): void;
}

/** The open chat's bell: a menu to mute it for a while or for good, or to unmute it. */
export function muteMenuButton(chat: ChatState, name: string, hooks: MuteHooks): HTMLButtonElement {
  const set = (input: ChatNotificationsInput) => () =>
    setChatNotifications(chat.id, input).then((view) => hooks.changed(chat.id, view), hooks.report);
  const items = (): PersonMenuItem[] => [
    ...(isMuted(chat) ? [{ label: 'Unmute', run: set({ level: 'all' }) }] : []),
    ...MUTES.map(({ label, ms }) => ({
      label,
      run: set({ level: 'none', mutedUntil: ms === null ? null : new Date(Date.now() + ms).toISOString() }),
    })),
  ];
  return actionsMenuButton({
    label: `Notifications for ${name}`,
    menuLabel: `Notifications for ${name}`,
    content: bell(isMuted(chat)),
    className: 'mute-button',
    items,
  });
}

let expiry: number | undefined;

/** Draws again when the first mute of these chats ends, so its marks go away on time. */
export function redrawWhenMutesEnd(chats: Iterable<ChatState>, redraw: () => void): void {
  clearTimeout(expiry);
  const now = Date.now();
  let next = Number.POSITIVE_INFINITY;
  for (const chat of chats) {
    const until = chat.notifications?.level === 'none' ? chat.notifications.mutedUntil : null;
    const at = until ? Date.parse(until) : Number.NaN;
    if (at > now) next = Math.min(next, at);
  }
  // setTimeout's longest wait is about 24.8 days; a later end is looked at again then.
  if (next !== Number.POSITIVE_INFINITY)
    expiry = window.setTimeout(redraw, Math.min(next - now + 50, 2 ** 31 - 1));
}
