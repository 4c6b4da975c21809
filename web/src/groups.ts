// Groups and blocking wired to the rest of the client: "New group", the info panel (which reads its
// members again when the store brings a membership change), and leaving.
import type { ChatClient } from '@live-chat/client';
import { loadBlocks, onBlocksChange } from './blocks';
import type { ChatExtras } from './chat-state';
import { setupGroupCreate } from './group-create';
import { GroupPanel } from './group-panel';
import type { PublicUser } from './sdk';

export interface GroupsHost {
  client: ChatClient;
  chats: ChatExtras;
  openChat(chatId: string): void;
  /** Closes the open conversation if it is this chat (back to the list). */
  closeChat(chatId: string): void;
  /** Draws the chat list and the open conversation again. */
  render(): void;
  status(text: string): void;
}

const MEMBERSHIP = new Set(['member_added', 'member_removed', 'member_role_changed']);

export function setupGroups(host: GroupsHost, newGroup: HTMLButtonElement) {
  const { client } = host;
  const meId = () => client.user.id;
  const known = (): PublicUser[] =>
    host.chats.all().flatMap((c) => (c.peer && c.peer.id !== meId() ? [c.peer] : []));

  const panel: GroupPanel = new GroupPanel({
    chat: (chatId) => host.chats.state(chatId),
    meId,
    known,
    update: (view) => {
      client.store.setChat(view);
      client.store.flush();
    },
    left: (chatId) => host.closeChat(chatId),
  });

  setupGroupCreate(newGroup, {
    known,
    meId,
    created: (view, notice) => {
      client.store.setChat(view);
      client.store.flush();
      host.openChat(view.id);
      if (notice) host.status(notice);
    },
  });

  onBlocksChange(() => {
    host.render();
    panel.render();
  });

  // The newest seq looked at per chat, so only new system messages make the panel read its members again.
  const seen = new Map<string, number>();
  client.store.on('change', (chatIds) => {
    for (const chatId of chatIds) {
      const last = client.store.chat(chatId)?.lastMessage;
      const before = seen.get(chatId) ?? 0;
      if (!last || last.seq <= before) continue;
      seen.set(chatId, last.seq);
      const changed = client.store
        .messages(chatId)
        .some((m) => m.seq > before && !!m.event && MEMBERSHIP.has(m.event.type));
      const gone = host.chats.state(chatId)?.removed === 'left';
      if (gone) {
        panel.close();
        host.closeChat(chatId);
      } else if (changed) panel.membersChanged(chatId);
      panel.render();
    }
  });
  void loadBlocks().catch(() => {});
  return panel;
}
