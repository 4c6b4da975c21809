import { AppliedSeqs } from './chat-log.js';
import type { ChatChange, ChatView, MessageView } from './contract.js';
import { Emitter } from './emitter.js';
import { getOrCreate } from './maps.js';
import { applyChange, replyAfter } from './message-changes.js';

/**
 * A chat as the local store holds it: the service's view (its push setting and timestamp aside), with the
 * unread count and last message derived from the messages held, and whether this user is still a member.
 */
export type StoredChat = Omit<ChatView, 'notifications' | 'updatedAt'> & {
  /** False once this user was removed from the group or left it: it stays, read-only, with its history. */
  member: boolean;
};

export type StoreEvents = {
  /** Something in these chats changed (their messages, their counts, their settings). */
  change: (chatIds: string[]) => void;
};

type ChatMeta = Omit<StoredChat, 'unreadCount' | 'lastMessage'>;

/**
 * Chats and their messages as this device knows them, built only from what the service sent, so a UI
 * renders from it and subscribes to its changes. Every entry of a chat's log is applied once.
 */
export class Store extends Emitter<StoreEvents> {
  private readonly meta = new Map<string, ChatMeta>();
  private readonly messagesByChat = new Map<string, Map<string, MessageView>>();
  readonly applied = new AppliedSeqs();
  private changed = new Set<string>();

  constructor(readonly meId: string) {
    super();
  }

  chats(): StoredChat[] {
    return [...this.meta.keys()]
      .map((id) => this.chat(id)!)
      .sort((a, b) => (b.lastMessage?.createdAt ?? '').localeCompare(a.lastMessage?.createdAt ?? ''));
  }

  chat(chatId: string): StoredChat | undefined {
    const meta = this.meta.get(chatId);
    if (!meta) return undefined;
    const messages = this.messages(chatId);
    const unread = messages.filter(
      (m) => m.kind === 'user' && !m.deletedAt && m.sender.id !== this.meId && m.seq > meta.readSeq,
    ).length;
    return { ...meta, unreadCount: unread, lastMessage: messages.at(-1) ?? null };
  }

  /** A chat's messages, oldest first. */
  messages(chatId: string): MessageView[] {
    return [...(this.messagesByChat.get(chatId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  message(chatId: string, messageId: string): MessageView | undefined {
    return this.messagesByChat.get(chatId)?.get(messageId);
  }

  hasChat(chatId: string): boolean {
    return this.meta.has(chatId);
  }

  /** Takes the service's view of a chat (its settings and read marks); counts stay derived from messages. */
  setChat(view: ChatView): void {
    const held = this.meta.get(view.id);
    // Marks only move forward; a view fetched while newer receipts arrived must not move them back.
    const mark = (key: 'readSeq' | 'peerReadSeq' | 'peerDeliveredSeq') =>
      Math.max(view[key], held?.[key] ?? 0);
    this.meta.set(view.id, {
      id: view.id,
      type: view.type,
      peer: view.peer,
      title: view.title,
      avatar: view.avatar,
      memberCount: view.memberCount,
      role: view.role,
      historyVisibility: view.historyVisibility,
      member: true,
      readSeq: mark('readSeq'),
      peerReadSeq: mark('peerReadSeq'),
      peerDeliveredSeq: mark('peerDeliveredSeq'),
    });
    this.touch(view.id);
  }

  /** Changes some of a chat's settings, creating a placeholder until the service's view arrives. */
  patchChat(chatId: string, patch: Partial<ChatMeta>): void {
    const held = this.meta.get(chatId) ?? {
      id: chatId,
      type: 'DIRECT',
      peer: null,
      title: null,
      avatar: null,
      memberCount: 0,
      role: null,
      historyVisibility: null,
      member: true,
      readSeq: 0,
      peerReadSeq: 0,
      peerDeliveredSeq: 0,
    };
    this.meta.set(chatId, { ...held, ...patch });
    this.touch(chatId);
  }

  /** A new entry of a chat's log; false when it was applied before. */
  applyMessage(message: MessageView): boolean {
    if (!this.claim(message.chatId, message.seq)) return false;
    getOrCreate(this.messagesByChat, message.chatId, () => new Map()).set(message.id, message);
    if (!this.meta.has(message.chatId)) this.patchChat(message.chatId, {});
    const meta = this.meta.get(message.chatId)!;
    // The service moves a sender's read mark to each message they send.
    if (message.sender.id === this.meId && message.seq > meta.readSeq) meta.readSeq = message.seq;
    if (message.kind === 'system') this.applySystem(message);
    this.touch(message.chatId);
    return true;
  }

  /** A change to a message (edit, delete, reaction); false when it was applied before. */
  applyChange(change: ChatChange): boolean {
    if (!this.claim(change.chatId, change.seq)) return false;
    const messages = this.messagesByChat.get(change.chatId);
    const held = messages?.get(change.messageId);
    // A change to a message this device never held (older than its history) has nothing to change.
    if (!messages || !held) return true;
    const after = applyChange(held, change, this.meId);
    if (after) messages.set(after.id, after);
    else messages.delete(held.id);
    if (after && change.type !== 'reaction_updated') {
      for (const reply of messages.values()) {
        if (reply.replyTo?.id === after.id) messages.set(reply.id, replyAfter(reply, after));
      }
    }
    this.touch(change.chatId);
    return true;
  }

  /** Moves a read mark forward (this user's, or the others' for ticks). */
  markRead(chatId: string, userId: string, seq: number): void {
    const meta = this.meta.get(chatId);
    if (!meta) return;
    if (userId === this.meId) meta.readSeq = Math.max(meta.readSeq, seq);
    else meta.peerReadSeq = Math.max(meta.peerReadSeq, seq);
    this.touch(chatId);
  }

  markDelivered(chatId: string, seq: number): void {
    const meta = this.meta.get(chatId);
    if (!meta) return;
    meta.peerDeliveredSeq = Math.max(meta.peerDeliveredSeq, seq);
    this.touch(chatId);
  }

  /** Resolves once `holds` is true of the store, checked now and after every change (a UI-free wait). */
  async until(holds: (store: Store) => boolean): Promise<void> {
    if (!holds(this)) await this.when('change', () => holds(this));
  }

  /** Tells subscribers what changed since the last call, once per batch of applied entries. */
  flush(): void {
    if (this.changed.size === 0) return;
    const chatIds = [...this.changed];
    this.changed = new Set();
    this.emit('change', chatIds);
  }

  private claim(chatId: string, seq: number): boolean {
    // What came before the first entry this device sees of a chat is not its to see (a group joined late).
    if (!this.applied.knows(chatId)) this.applied.cover(chatId, seq - 1);
    return this.applied.add(chatId, seq);
  }

  // Group settings and membership, as the system message records them: the same whether it came live or in sync.
  private applySystem(message: MessageView): void {
    const event = message.event;
    if (!event) return;
    const meta = this.meta.get(message.chatId)!;
    if (event.type === 'created' || event.type === 'updated') {
      if ('title' in event && event.title !== undefined) meta.title = event.title;
      if ('avatar' in event && event.avatar !== undefined) meta.avatar = event.avatar;
      if ('historyVisibility' in event && event.historyVisibility)
        meta.historyVisibility = event.historyVisibility;
      meta.type = 'GROUP';
    } else if (event.type === 'member_removed' && event.userId === this.meId) {
      meta.member = false;
    } else if (event.type === 'member_added' && event.userIds.includes(this.meId)) {
      meta.member = true;
    } else if (event.type === 'member_role_changed' && event.userId === this.meId) {
      meta.role = event.role;
    }
  }

  private touch(chatId: string): void {
    this.changed.add(chatId);
  }
}
