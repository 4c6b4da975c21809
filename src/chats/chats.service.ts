import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import type { DeliveryReceipt, ReadReceipt } from '../contract/events.js';
import type { ChatView, Page } from '../contract/views.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { TypingService } from '../realtime/typing.service.js';
import { ChatCache, directKey } from './chat-cache.js';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.js';
import { type ChatRow, ChatsRepository } from './chats.repository.js';

/** Chats and who is in them: direct chats, the chat list, membership, read and delivered marks, typing. */
@Injectable()
export class ChatsService {
  private readonly pendingDirect = new Map<string, Promise<string>>();

  constructor(
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
    private readonly cache: ChatCache,
    private readonly emitter: RealtimeEmitter,
    private readonly typing: TypingService,
    private readonly limits: RateLimiters,
  ) {}

  async openDirect(userId: string, peerId: string): Promise<{ chat: ChatView; created: boolean }> {
    const { id, created } = await this.createDirect(userId, peerId);
    const row = await this.chats.getChat(userId, id);
    return { chat: (await this.views(userId, [row!]))[0]!, created };
  }

  async listChats(userId: string, limit: number, cursor?: string): Promise<Page<ChatView>> {
    const rows = await this.chats.listChats(userId, limit + 1, cursor ? decodeChatCursor(cursor) : undefined);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: await this.views(userId, page),
      nextCursor: rows.length > limit && last ? encodeChatCursor(last) : null,
    };
  }

  /**
   * Moves the reader's mark forward to a message (never back). When it moved, the other member's
   * sockets and the reader's other sockets hear of it, so every device shows the same unread count.
   */
  async markRead(
    userId: string,
    chatId: string,
    messageId: string,
    exceptSocketId?: string,
  ): Promise<{ receipt: ReadReceipt; unreadCount: number }> {
    await this.limits.consume('receipts', userId);
    const members = await this.membersFor(chatId, userId);
    const message = await this.messages.findInChat(chatId, messageId);
    if (!message) throw new AppError('MESSAGE_NOT_FOUND');
    const mark = await this.chats.markRead(chatId, userId, message.seq, message.num);
    if (!mark) throw new AppError('CHAT_NOT_FOUND');
    const receipt: ReadReceipt = {
      chatId,
      userId,
      messageId: mark.messageId ?? messageId,
      seq: mark.seq,
      readAt: new Date().toISOString(),
    };
    if (mark.changed) this.emitter.toUsers(members, 'chat:message_read', receipt, exceptSocketId);
    return { receipt, unreadCount: Math.max(0, mark.unreadCount) };
  }

  /** A receiving device confirms a message: the sender's sockets hear of it, once, going forward. */
  async markDelivered(
    userId: string,
    chatId: string,
    messageId: string,
  ): Promise<{ receipt: DeliveryReceipt }> {
    await this.limits.consume('receipts', userId);
    await this.membersFor(chatId, userId);
    const message = await this.messages.findInChat(chatId, messageId);
    if (!message) throw new AppError('MESSAGE_NOT_FOUND');
    const mark = await this.chats.markDelivered(chatId, userId, message.seq);
    if (!mark) throw new AppError('CHAT_NOT_FOUND');
    const receipt: DeliveryReceipt = {
      chatId,
      userId,
      messageId: mark.messageId ?? messageId,
      seq: mark.seq,
      deliveredAt: new Date().toISOString(),
    };
    if (mark.changed && message.senderId !== userId) {
      this.emitter.toUsers([message.senderId], 'chat:message_delivered', receipt);
    }
    return { receipt };
  }

  /** Starts, refreshes or stops the user's typing in a chat (by id, or the direct chat with receiverId). */
  async setTyping(userId: string, target: { chatId?: string; receiverId?: string }, isTyping: boolean) {
    await this.limits.consume('typing', userId);
    const chatId = target.chatId ?? (await this.existingDirect(userId, target.receiverId!));
    if (!chatId) throw new AppError('CHAT_NOT_FOUND');
    const members = await this.membersFor(chatId, userId);
    await this.typing.update(
      userId,
      chatId,
      members.filter((id) => id !== userId),
      isTyping,
    );
  }

  /** The members of a chat the caller belongs to; 404 otherwise, so an id reveals nothing. */
  async membersFor(chatId: string, userId: string): Promise<readonly string[]> {
    const members = await this.membersOf(chatId);
    if (!members.includes(userId)) throw new AppError('CHAT_NOT_FOUND');
    return members;
  }

  /** The members of a chat (none for one that does not exist). */
  async membersOf(chatId: string): Promise<readonly string[]> {
    let members = this.cache.membersOf(chatId);
    if (!members) {
      members = await this.chats.memberIds(chatId);
      if (members.length > 0) this.cache.rememberMembers(chatId, members);
    }
    return members;
  }

  /** The id of the direct chat of two users, if it exists; never creates one. */
  async existingDirect(a: string, b: string): Promise<string | undefined> {
    const key = directKey(a, b);
    const cached = this.cache.chatIdOf(key);
    if (cached) return cached;
    const found = await this.chats.findDirect(key);
    if (found) this.cache.rememberDirect(key, found);
    return found;
  }

  /** The direct chat of two users as known to this process, without a lookup (the send path's fast case). */
  cachedDirect(a: string, b: string): string | undefined {
    return this.cache.chatIdOf(directKey(a, b));
  }

  /**
   * The direct chat of two users, created (with both memberships) if it does not exist yet. Concurrent
   * first messages of a pair share one lookup; its callbacks then run in arrival order.
   */
  directChatId(a: string, b: string): Promise<string> {
    const key = directKey(a, b);
    let pending = this.pendingDirect.get(key);
    if (!pending) {
      pending = this.createDirect(a, b)
        .then((chat) => chat.id)
        .finally(() => this.pendingDirect.delete(key));
      this.pendingDirect.set(key, pending);
    }
    return pending;
  }

  private async createDirect(a: string, b: string): Promise<{ id: string; created: boolean }> {
    const key = directKey(a, b);
    try {
      const chat = await this.chats.getOrCreateDirect(newId(), key, a === b ? [a] : [a, b]);
      this.cache.rememberDirect(key, chat.id);
      return chat;
    } catch (error) {
      if (sqlState(error) === SQLSTATE.FOREIGN_KEY_VIOLATION) throw new AppError('USER_NOT_FOUND');
      throw error;
    }
  }

  // The chats with their last messages, as the caller sees them (one read for the whole page).
  private async views(userId: string, rows: ChatRow[]): Promise<ChatView[]> {
    const ids = rows.flatMap((r) => (r.lastMessageId ? [r.lastMessageId] : []));
    const views = await this.messages.views(ids.map((messageId) => ({ messageId, viewerId: userId })));
    const lastMessages = new Map(views.flatMap((m) => (m ? [[m.id, m] as const] : [])));
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      peer: { id: row.peerId, name: row.peerName, avatar: row.peerAvatar },
      lastMessage: row.lastMessageId ? (lastMessages.get(row.lastMessageId) ?? null) : null,
      unreadCount: Math.max(0, row.unreadCount),
      readSeq: row.lastReadSeq,
      peerReadSeq: row.peerReadSeq,
      peerDeliveredSeq: row.peerDeliveredSeq,
      updatedAt: row.updatedAt.toISOString(),
    }));
  }
}
