// A chat as the UI draws it: the SDK store's chat, plus what the store does not keep (the peer's presence,
// who is typing, this user's push setting for the chat, why this user is no longer a member).
import type { ChatClient, ChatNotificationsView, StoredChat } from '@live-chat/client';
import type { RemovalReason } from '../../src/contract/views.js';

export interface ChatState extends StoredChat {
  /** The direct peer's presence (null: unknown, and always for groups). */
  online: boolean | null;
  lastSeenAt: string | null;
  typing: boolean;
  notifications: ChatNotificationsView;
  /** Set when this user is no longer a member of the group. */
  removed?: RemovalReason;
  updatedAt: string;
}

const NOT_MUTED: ChatNotificationsView = { level: 'all', mutedUntil: null };
// The server stops saying "typing" by itself; this is the safety net for a lost "stopped" event.
const TYPING_EXPIRES_MS = 7000;

export class ChatExtras {
  private readonly presence = new Map<string, { online: boolean; lastSeenAt: string | null }>();
  private readonly typing = new Map<string, number>();
  private readonly notifications = new Map<string, ChatNotificationsView>();
  private readonly asked = new Set<string>();

  constructor(
    private readonly client: ChatClient,
    private readonly changed: (chatId: string | null) => void,
  ) {
    client.on('presence', (event) => {
      this.presence.set(event.userId, { online: event.online, lastSeenAt: event.lastSeenAt });
      this.changed(null);
    });
    client.on('typing', (event) => {
      if (event.userId === client.user.id) return;
      window.clearTimeout(this.typing.get(event.chatId));
      if (event.isTyping) {
        this.typing.set(
          event.chatId,
          window.setTimeout(() => this.stopTyping(event.chatId), TYPING_EXPIRES_MS),
        );
        // Someone who just opened a chat with this user types before its first message: fetch that chat.
        if (!client.store.hasChat(event.chatId)) void this.fetch(event.chatId);
      } else this.typing.delete(event.chatId);
      this.changed(event.chatId);
    });
    client.store.on('change', (chatIds) => {
      for (const chatId of chatIds) {
        // A new message from the typist ends the typing.
        const last = client.store.chat(chatId)?.lastMessage;
        if (last && last.sender.id !== client.user.id && this.typing.has(chatId)) this.stopTyping(chatId);
      }
    });
  }

  /** The chat views' settings the store leaves out (mutes), for every chat; presence of direct peers. */
  async load(): Promise<void> {
    let before: string | undefined;
    do {
      const page = await this.client.api.chats({ limit: 100, ...(before ? { before } : {}) });
      for (const view of page.items) this.notifications.set(view.id, view.notifications);
      before = page.nextCursor ?? undefined;
    } while (before);
    this.changed(null);
    for (const chat of this.client.store.chats()) this.askPresence(chat);
  }

  /** A chat the store does not hold yet (opened here, or heard of before its first message). */
  async fetch(chatId: string): Promise<void> {
    const view = await this.client.api.chat(chatId);
    this.notifications.set(view.id, view.notifications);
    this.client.store.setChat(view);
    this.client.store.flush();
    this.askPresence(this.client.store.chat(chatId));
  }

  setNotifications(chatId: string, view: ChatNotificationsView): void {
    this.notifications.set(chatId, view);
    this.changed(chatId);
  }

  state(chatId: string): ChatState | undefined {
    const chat = this.client.store.chat(chatId);
    return chat ? this.of(chat) : undefined;
  }

  all(): ChatState[] {
    return this.client.store.chats().map((chat) => this.of(chat));
  }

  private of(chat: StoredChat): ChatState {
    this.askPresence(chat);
    const presence = chat.peer ? this.presence.get(chat.peer.id) : undefined;
    return {
      ...chat,
      online: chat.type === 'GROUP' ? null : (presence?.online ?? null),
      lastSeenAt: presence?.lastSeenAt ?? null,
      typing: this.typing.has(chat.id),
      notifications: this.notifications.get(chat.id) ?? NOT_MUTED,
      removed: chat.member ? undefined : this.removalOf(chat.id),
      updatedAt: chat.lastMessage?.createdAt ?? '',
    };
  }

  private removalOf(chatId: string): RemovalReason {
    const messages = this.client.store.messages(chatId);
    for (let i = messages.length - 1; i >= 0; i--) {
      const event = messages[i]!.event;
      if (event?.type === 'member_removed' && event.userId === this.client.user.id) return event.reason;
    }
    return 'removed';
  }

  private askPresence(chat: StoredChat | undefined): void {
    const peer = chat?.type === 'DIRECT' ? chat.peer : null;
    if (!peer || this.asked.has(peer.id)) return;
    this.asked.add(peer.id);
    this.client.api.presence(peer.id).then(
      (event) => {
        if (this.presence.has(peer.id)) return;
        this.presence.set(peer.id, { online: event.online, lastSeenAt: event.lastSeenAt });
        this.changed(null);
      },
      () => {},
    );
  }

  private stopTyping(chatId: string): void {
    window.clearTimeout(this.typing.get(chatId));
    this.typing.delete(chatId);
    this.changed(chatId);
  }
}
