// The open conversation's header (a direct chat: the peer, presence, the person's menu; a group: title,
// member count, "Group info"; both: the notifications bell and a "Muted" tag), the notice above the composer (blocked, or no longer a member), and the
// composer itself, closed in a group this user was removed from.
import type { ChatNotificationsView } from '@live-chat/client';
import { isBlocked } from './blocks';
import { chatName, memberCountText, presenceDot, shortTime } from './chat-list';
import { muteMenuButton, muteTag } from './chat-mute';
import type { ChatState } from './chat-state';
import { h } from './dom';
import { avatar } from './people';
import { blockItem, personMenuButton } from './person-menu';

export interface HeaderElements {
  avatar: HTMLElement;
  name: HTMLElement;
  presence: HTMLElement;
  typing: HTMLElement;
  actions: HTMLElement;
  notice: HTMLElement;
  composer: HTMLFormElement;
}

export interface HeaderHooks {
  meId(): string | undefined;
  openGroupInfo(chatId: string): void;
  report(text: string): void;
  /** The chat was muted or unmuted here. */
  notificationsChanged(chatId: string, view: ChatNotificationsView): void;
}

export function renderConversationHeader(el: HeaderElements, chat: ChatState, hooks: HeaderHooks): void {
  const group = chat.type === 'GROUP';
  const meId = hooks.meId();
  el.name.textContent = chatName(chat, meId);
  el.avatar.replaceChildren(avatar(el.name.textContent, group ? chat.avatar : chat.peer?.avatar));
  if (group) {
    el.presence.replaceChildren(chat.removed ? 'not a member' : memberCountText(chat.memberCount));
    el.typing.textContent = chat.typing ? 'Someone is typing…' : '';
  } else {
    el.presence.replaceChildren(presenceDot(chat.online), ` ${presenceText(chat)}`);
    el.typing.textContent = chat.typing ? `${chat.peer?.name ?? ''} is typing…` : '';
  }
  renderActions(el.actions, chat, hooks);

  const peer = !group && chat.peer?.id !== meId ? chat.peer : null;
  const blocked = !!peer && isBlocked(peer.id);
  el.notice.hidden = !blocked && !chat.removed;
  el.notice.textContent = chat.removed
    ? chat.removed === 'left'
      ? 'You left this group.'
      : 'You were removed from this group. You can no longer send messages here.'
    : blocked
      ? `You blocked ${peer.name}. Their messages do not reach you.`
      : '';
  setComposerClosed(el.composer, !!chat.removed);
}

function renderActions(actions: HTMLElement, chat: ChatState, hooks: HeaderHooks): void {
  const meId = hooks.meId();
  const report = (error: unknown) => hooks.report(error instanceof Error ? error.message : String(error));
  const bell = () =>
    muteMenuButton(chat, chatName(chat, meId), { changed: hooks.notificationsChanged, report });
  if (chat.type === 'GROUP' && chat.removed) {
    actions.replaceChildren();
  } else if (chat.type === 'GROUP') {
    const info = h('button', { type: 'button', class: 'secondary header-button' }, 'Group info');
    info.addEventListener('click', () => hooks.openGroupInfo(chat.id));
    actions.replaceChildren(...[muteTag(chat), bell(), info].filter((x) => !!x));
  } else if (chat.peer && chat.peer.id !== meId) {
    const peer = chat.peer;
    const tag = isBlocked(peer.id) ? h('span', { class: 'blocked-tag' }, 'Blocked') : null;
    actions.replaceChildren(
      ...[muteTag(chat), tag, bell(), personMenuButton(peer, () => [blockItem(peer, report)])].filter(
        (x) => !!x,
      ),
    );
  } else {
    actions.replaceChildren();
  }
}

/** Only on a change: a send in flight keeps its own disabled button. */
function setComposerClosed(composer: HTMLFormElement, closed: boolean): void {
  if (composer.classList.contains('closed') === closed) return;
  composer.classList.toggle('closed', closed);
  for (const control of composer.elements) {
    if ('disabled' in control) (control as HTMLButtonElement).disabled = closed;
  }
}

/** "online", "last seen" with a time (or a day), "offline", or nothing while unknown. */
function presenceText(chat: ChatState): string {
  if (chat.online) return 'online';
  if (chat.online === null) return '';
  return chat.lastSeenAt ? `last seen ${shortTime(chat.lastSeenAt)}` : 'offline';
}
