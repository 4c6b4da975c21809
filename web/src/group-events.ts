// The live group events: each carries the system message that records it (shown like any message) and
// the chat's new member count; the info panel follows them while it is open.
import type { Socket } from 'socket.io-client';
import type {
  ChatUpdatedEvent,
  MemberAddedEvent,
  MemberRemovedEvent,
  MemberRoleChangedEvent,
} from '../../src/contract/views.js';
import type { Message } from './api';
import type { ChatState } from './chat-list';
import type { GroupPanel } from './group-panel';

export interface GroupEventHooks {
  chat(chatId: string): ChatState | undefined;
  meId(): string | undefined;
  /** A message as `chat:message_receive` gives it (new chats are loaded by it). */
  receive(message: Message): void;
  /** The chat's state changed: draw the list and the header again. */
  changed(chatId: string): void;
  /** This user left the group (here or on another device): it leaves the list. */
  left(chatId: string): void;
  panel: GroupPanel;
}

export function listenToGroupEvents(socket: Socket, hooks: GroupEventHooks): void {
  const after = (chatId: string, update: (chat: ChatState) => void) => {
    const chat = hooks.chat(chatId);
    if (chat) update(chat);
    hooks.changed(chatId);
    hooks.panel.render();
  };
  socket.on('chat:updated', (event: ChatUpdatedEvent) => {
    hooks.receive(event.message);
    after(event.chatId, (chat) => {
      chat.title = event.title;
      chat.avatar = event.avatar;
      chat.historyVisibility = event.historyVisibility;
      chat.memberCount = event.memberCount;
    });
  });
  socket.on('chat:member_added', (event: MemberAddedEvent) => {
    hooks.receive(event.message);
    after(event.chatId, (chat) => {
      chat.memberCount = event.memberCount;
    });
    hooks.panel.memberAdded(event.chatId, event.members);
  });
  socket.on('chat:member_removed', (event: MemberRemovedEvent) => {
    hooks.receive(event.message);
    after(event.chatId, (chat) => {
      chat.memberCount = event.memberCount;
    });
    hooks.panel.memberRemoved(event.chatId, event.userId);
    if (event.userId === hooks.meId() && event.reason === 'left') {
      hooks.panel.close();
      hooks.left(event.chatId);
    }
  });
  socket.on('chat:member_role_changed', (event: MemberRoleChangedEvent) => {
    hooks.receive(event.message);
    after(event.chatId, () => {});
    hooks.panel.roleChanged(event.chatId, event.userId, event.role);
  });
}
