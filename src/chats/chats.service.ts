import { Inject, Injectable } from '@nestjs/common';
import { BlocksRepository } from '../blocks/blocks.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import { Clock } from '../common/time/clock.js';
import { pageOfRows } from '../common/validation/keyset-cursor.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { DeliveryReceipt, ReadReceipt } from '../contract/events.js';
import type { ChatNotificationsInput } from '../contract/notification-inputs.js';
import type { ChatNotificationsView } from '../contract/notifications.js';
import type { ChatView, Page } from '../contract/views.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';
import { type MessagePlace, MessagesRepository } from '../messages/messages.repository.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { TypingService } from '../realtime/typing.service.js';
import { ChatCache, directKey, type Roster } from './chat-cache.js';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.js';
import { type ChatRow, ChatsRepository } from './chats.repository.js';

/**
 * Chats and who is in them: direct chats, the chat list, rosters, read and delivered marks, typing. In
 * groups above GROUP_RECEIPTS_MAX members, receipts and typing go to nobody else.
 */
@Injectable()
export class ChatsService {
  private readonly pendingDirect = new Map<string, Promise<string>>();
  private readonly receiptsMax: number;

  constructor(
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
    private readonly blocks: BlocksRepository,
    private readonly cache: ChatCache,
    private readonly emitter: RealtimeEmitter,
    private readonly typing: TypingService,
    private readonly limits: RateLimiters,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.receiptsMax = config.groups.receiptsMax;
  }

  async openDirect(userId: string, peerId: string): Promise<{ chat: ChatView; created: boolean }> {
    const { id, created } = await this.createDirect(userId, peerId);
    return { chat: await this.chatView(userId, id), created };
  }

  /** A chat as the caller, a current member, sees it; 404 otherwise. */
  async chatView(userId: string, chatId: string): Promise<ChatView> {
    const row = await this.chats.getChat(userId, chatId, this.receiptsMax);
    if (!row) throw new AppError('CHAT_NOT_FOUND');
    return (await this.views(userId, [row]))[0]!;
  }

  async listChats(userId: string, limit: number, cursor?: string): Promise<Page<ChatView>> {
    const rows = await this.chats.listChats(
      userId,
      limit + 1,
      this.receiptsMax,
      cursor ? decodeChatCursor(cursor) : undefined,
    );
    const page = pageOfRows(rows, limit, encodeChatCursor);
    return { items: await this.views(userId, page.rows), nextCursor: page.nextCursor };
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
    const { roster, message } = await this.visibleMessage(chatId, userId, messageId);
    const mark = await this.chats.markRead(chatId, userId, message.seq, message.num);
    if (!mark) throw new AppError('CHAT_NOT_FOUND');
    const receipt: ReadReceipt = {
      chatId,
      userId,
      messageId: mark.messageId ?? messageId,
      seq: mark.seq,
      readAt: new Date().toISOString(),
    };
    const audience = this.sharesReceipts(roster) ? roster.ids : [userId];
    if (mark.changed) this.emitter.toUsers(audience, 'chat:message_read', receipt, exceptSocketId);
    // Devices without an open page learn of the read by push, and close what they showed of the chat.
    if (mark.changed && mark.pushedSeq > 0) {
      await this.chats.queueReadPushes(chatId, userId, mark.seq, new Date(this.clock.now()));
    }
    return { receipt, unreadCount: Math.max(0, mark.unreadCount) };
  }

  /** A receiving device confirms a message: the sender's sockets hear of it, once, going forward. */
  async markDelivered(
    userId: string,
    chatId: string,
    messageId: string,
  ): Promise<{ receipt: DeliveryReceipt }> {
    await this.limits.consume('receipts', userId);
    const { roster, message } = await this.visibleMessage(chatId, userId, messageId);
    const mark = await this.chats.markDelivered(chatId, userId, message.seq);
    if (!mark) throw new AppError('CHAT_NOT_FOUND');
    const receipt: DeliveryReceipt = {
      chatId,
      userId,
      messageId: mark.messageId ?? messageId,
      seq: mark.seq,
      deliveredAt: new Date().toISOString(),
    };
    if (mark.changed && message.senderId !== userId && this.sharesReceipts(roster)) {
      this.emitter.toUsers([message.senderId], 'chat:message_delivered', receipt);
    }
    return { receipt };
  }

  /**
   * Starts, refreshes or stops the user's typing in a chat (by id, or the direct chat with receiverId):
   * to the other members, but not to anyone blocked by or blocking the typist.
   */
  async setTyping(userId: string, target: { chatId?: string; receiverId?: string }, isTyping: boolean) {
    await this.limits.consume('typing', userId);
    const chatId = target.chatId ?? (await this.existingDirect(userId, target.receiverId!));
    if (!chatId) throw new AppError('CHAT_NOT_FOUND');
    const roster = await this.currentRosterFor(chatId, userId);
    if (!this.sharesReceipts(roster)) return;
    const others = roster.ids.filter((id) => id !== userId);
    const shunned = await this.blocks.blockedEitherWay(userId, others);
    await this.typing.update(
      userId,
      chatId,
      others.filter((id) => !shunned.has(id)),
      isTyping,
    );
  }

  /**
   * A message of a chat the caller belongs to, which they may see (in a since_join group, one from after
   * they joined), with the chat's current roster; 404 otherwise.
   */
  async visibleMessage(
    chatId: string,
    userId: string,
    messageId: string,
  ): Promise<{ roster: Roster; message: MessagePlace }> {
    const roster = await this.currentRosterFor(chatId, userId);
    const message = await this.messages.findInChat(chatId, messageId);
    if (!message || message.seq < roster.floors.get(userId)!) throw new AppError('MESSAGE_NOT_FOUND');
    return { roster, message };
  }

  /**
   * The roster of a chat the caller belongs to, as it stands now (a group's version is read, so a member
   * removed through another instance is refused at once); 404 otherwise, so an id reveals nothing.
   */
  async currentRosterFor(chatId: string, userId: string): Promise<Roster> {
    const cached = this.cache.rosterOf(chatId);
    const roster =
      cached?.type === 'DIRECT' ? cached : await this.roster(chatId, await this.chats.version(chatId));
    if (!roster?.floors.has(userId)) throw new AppError('CHAT_NOT_FOUND');
    return roster;
  }

  /**
   * The roster of a chat the caller belongs to, as this process knows it (read again when it does not
   * list the caller): the send path's check. The database refuses a message from someone no longer in it.
   */
  async rosterFor(chatId: string, userId: string): Promise<Roster> {
    let roster = this.cache.rosterOf(chatId);
    if (!roster?.floors.has(userId)) roster = await this.load(chatId);
    if (!roster?.floors.has(userId)) throw new AppError('CHAT_NOT_FOUND');
    return roster;
  }

  /** The roster of a chat the caller belongs to, if this process has it at hand: no lookup. */
  cachedRosterFor(chatId: string, userId: string): Roster | undefined {
    const roster = this.cache.rosterOf(chatId);
    return roster?.floors.has(userId) ? roster : undefined;
  }

  /** The chat's roster at `version` or later (read again if the one at hand is older). */
  async roster(chatId: string, version: number | undefined): Promise<Roster | undefined> {
    if (version === undefined) return undefined;
    const cached = this.cache.rosterOf(chatId);
    if (cached && cached.version >= version) return cached;
    return this.load(chatId);
  }

  /** Receipts and typing go to every member of direct chats and of groups up to GROUP_RECEIPTS_MAX. */
  sharesReceipts(roster: Roster): boolean {
    return roster.type === 'DIRECT' || roster.ids.length <= this.receiptsMax;
  }

  private async load(chatId: string): Promise<Roster | undefined> {
    const roster = await this.chats.roster(chatId);
    if (roster) this.cache.remember(chatId, roster);
    return roster;
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
    const views = await this.messages.views(
      rows.flatMap((r) =>
        r.lastMessageId ? [{ chatId: r.id, messageId: r.lastMessageId, viewerId: userId }] : [],
      ),
    );
    const lastMessages = new Map(views.flatMap((m) => (m ? [[m.id, m] as const] : [])));
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      peer: row.peerId ? { id: row.peerId, name: row.peerName!, avatar: row.peerAvatar } : null,
      title: row.title,
      avatar: row.avatar,
      memberCount: row.memberCount,
      role: row.role,
      historyVisibility: row.type === 'GROUP' ? row.historyVisibility : null,
      lastMessage: row.lastMessageId ? (lastMessages.get(row.lastMessageId) ?? null) : null,
      unreadCount: Math.max(0, row.unreadCount),
      readSeq: row.lastReadSeq,
      peerReadSeq: row.peerReadSeq,
      peerDeliveredSeq: row.peerDeliveredSeq,
      notifications: this.notificationsView(row.notifyLevel, row.mutedUntil),
      updatedAt: row.updatedAt.toISOString(),
    }));
  }

  /**
   * Mutes (`none`, until `mutedUntil` or for good) or unmutes the chat's pushes for the caller, a current
   * member. Webhooks still carry everything.
   */
  async setNotifications(
    userId: string,
    chatId: string,
    input: ChatNotificationsInput,
  ): Promise<ChatNotificationsView> {
    const until = input.mutedUntil ? new Date(input.mutedUntil) : null;
    if (until && until.getTime() <= this.clock.now()) {
      throw new AppError('VALIDATION_FAILED', 'mutedUntil must be in the future', [
        { path: 'mutedUntil', message: 'must be in the future' },
      ]);
    }
    const row = await this.chats.setNotifications(chatId, userId, input.level, until);
    if (!row) throw new AppError('CHAT_NOT_FOUND');
    return this.notificationsView(row.level, row.mutedUntil);
  }

  // A mute that has run out reads as `all`.
  private notificationsView(level: 'all' | 'none', mutedUntil: Date | string | null): ChatNotificationsView {
    const until = mutedUntil === null ? null : new Date(mutedUntil);
    if (level === 'all' || (until && until.getTime() <= this.clock.now()))
      return { level: 'all', mutedUntil: null };
    return { level: 'none', mutedUntil: until?.toISOString() ?? null };
  }
}
