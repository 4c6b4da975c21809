// Groups and blocking wired to the rest of the client: "New group", the info panel, the live group
// events, system messages applied to the chat they belong to, and leaving.
import type { Socket } from 'socket.io-client';
import type { Chat, Message, PublicUser } from './api';
import { loadBlocks, onBlocksChange } from './blocks';
import type { ChatState } from './chat-list';
import { setupGroupCreate } from './group-create';
import { listenToGroupEvents } from './group-events';
import { GroupPanel } from './group-panel';
import { applySystemMessage } from './group-state';

export interface GroupsHost {
  chats: Map<string, ChatState>;
  meId(): string | undefined;
  openChatId(): string | null;
  upsertChat(chat: Chat): ChatState;
  openChat(chatId: string): Promise<void>;
  /** Closes the open conversation (back to the list). */
  closeChat(): void;
  receive(message: Message): void;
  /** Draws the chat list and the open conversation's header again. */
  render(): void;
  status(text: string): void;
}

export function setupGroups(host: GroupsHost, newGroup: HTMLButtonElement) {
  const known = (): PublicUser[] =>
    [...host.chats.values()].flatMap((c) => (c.peer && c.peer.id !== host.meId() ? [c.peer] : []));

  /** A group this user left: out of the list, and closed if open. */
  const dropChat = (chatId: string) => {
    host.chats.delete(chatId);
    if (host.openChatId() === chatId) host.closeChat();
    host.render();
  };

  const panel: GroupPanel = new GroupPanel({
    chat: (chatId) => host.chats.get(chatId),
    meId: host.meId,
    known,
    update: (view) => {
      host.upsertChat(view);
      host.render();
      panel.render();
    },
    left: dropChat,
  });

  setupGroupCreate(newGroup, {
    known,
    meId: host.meId,
    created: (chat, notice) => {
      host.upsertChat(chat);
      host.render();
      void host.openChat(chat.id).then(() => notice && host.status(notice));
    },
  });

  onBlocksChange(() => {
    host.render();
    panel.render();
  });

  return {
    panel,
    /** Signed in: the blocks, for the Block / Unblock choices and marks. */
    signedIn: () => void loadBlocks().catch(() => {}),
    listen: (socket: Socket) =>
      listenToGroupEvents(socket, {
        chat: (chatId) => host.chats.get(chatId),
        meId: host.meId,
        receive: host.receive,
        changed: host.render,
        left: dropChat,
        panel,
      }),
    /** A new message of a known chat (live or from sync): true when it took the chat off the list. */
    received(chat: ChatState, message: Message): boolean {
      if (message.kind !== 'system') return false;
      applySystemMessage(chat, message, host.meId());
      if (chat.removed === 'left') {
        dropChat(chat.id);
        return true;
      }
      host.render();
      panel.render();
      return false;
    },
  };
}
