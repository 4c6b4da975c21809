// The chat list: direct chats (the peer, with a presence dot) and groups (title, avatar, member count),
// each with its last message and unread count, newest first; a muted chat has a mark.
import { isMuted, muteMark } from './chat-mute';
import type { ChatState } from './chat-state';
import { h } from './dom';
import { avatar } from './people';
import type { Message } from './sdk';

export type { ChatState };

type Chat = Pick<ChatState, 'type' | 'title' | 'peer'>;

export interface ChatListOptions {
  openChatId: string | null;
  meId: string | undefined;
  open(chatId: string): void;
}

/** What the header and the list call a chat: the group's title, or the peer's name. */
export function chatName(chat: Chat, meId: string | undefined): string {
  if (chat.type === 'GROUP') return chat.title ?? 'Group';
  const name = chat.peer?.name ?? 'Unknown';
  return chat.peer?.id === meId ? `${name} (you)` : name;
}

export function memberCountText(count: number): string {
  return `${count} ${count === 1 ? 'member' : 'members'}`;
}

/** The last line of a chat: system messages as their sentence, group messages with their sender. */
export function preview(chat: Chat, message: Message | null, meId: string | undefined): string {
  if (!message) return 'No messages yet';
  if (message.kind === 'system') return message.content;
  const mine = message.sender.id === meId;
  if (message.deletedAt) return mine ? 'You deleted a message' : 'This message was deleted';
  const prefix = mine ? 'You: ' : chat.type === 'GROUP' ? `${message.sender.name}: ` : '';
  const media = message.mediaType === 'VIDEO' ? 'Video' : message.mediaType === 'AUDIO' ? 'Audio' : 'Link';
  return prefix + (message.content || (message.mediaUrl ? media : ''));
}

export function presenceDot(online: boolean | null): HTMLElement {
  const label = online ? 'online' : online === false ? 'offline' : 'presence unknown';
  return h('span', { class: `dot ${online ? 'on' : 'off'}`, role: 'img', 'aria-label': label, title: label });
}

function labelOf(chat: ChatState, unread: number, meId: string | undefined): string {
  const unreadText = `${unread ? `, ${unread} unread` : ''}${isMuted(chat) ? ', muted' : ''}`;
  if (chat.type !== 'GROUP') return `Chat with ${chat.peer?.name ?? 'Unknown'}${unreadText}`;
  const state = chat.removed ? ', you are no longer a member' : `, ${memberCountText(chat.memberCount)}`;
  return `Group ${chatName(chat, meId)}${state}${unreadText}`;
}

export function renderChatList(list: HTMLUListElement, chats: Iterable<ChatState>, options: ChatListOptions) {
  const { meId, openChatId } = options;
  const sorted = [...chats]
    .filter((chat) => chat.removed !== 'left')
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  list.replaceChildren(
    ...sorted.map((chat) => {
      const unread = Math.max(0, chat.unreadCount);
      const group = chat.type === 'GROUP';
      const name = chatName(chat, meId);
      const button = h(
        'button',
        {
          type: 'button',
          class: `chat-item${group ? ' group' : ''}`,
          'aria-current': chat.id === openChatId ? 'true' : null,
          'aria-label': labelOf(chat, unread, meId),
          'data-chat-id': chat.id,
        },
        h(
          'span',
          { class: 'avatar-wrap' },
          avatar(name, group ? chat.avatar : chat.peer?.avatar),
          group ? null : presenceDot(chat.online),
        ),
        h(
          'span',
          { class: 'chat-text' },
          h(
            'span',
            { class: 'chat-name' },
            name,
            group ? h('span', { class: 'chat-count' }, ` · ${chat.memberCount}`) : null,
          ),
          chat.updatedAt
            ? h('time', { class: 'chat-time', datetime: chat.updatedAt }, shortTime(chat.updatedAt))
            : null,
          h(
            'span',
            { class: 'chat-preview' },
            chat.typing ? 'typing…' : preview(chat, chat.lastMessage, meId),
          ),
        ),
        muteMark(chat),
        unread > 0
          ? h(
              'span',
              { class: `badge${isMuted(chat) ? ' quiet' : ''}`, 'aria-label': `${unread} unread` },
              String(unread),
            )
          : null,
      );
      button.addEventListener('click', () => options.open(chat.id));
      return h('li', {}, button);
    }),
  );
}

/** The time of today's messages, the day of older ones. */
export function shortTime(iso: string): string {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString()
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleDateString([], { month: 'short', day: 'numeric' });
}
