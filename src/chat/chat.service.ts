import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { MediaService } from '../media/media.service.js';
import { PresenceService } from '../realtime/presence.service.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import type { PublicUser } from '../users/user.types.js';
import { causeCode } from '../users/users.repository.js';
import type { DeliveryReceipt, ReadReceipt } from './chat.events.js';
import { ChatRepository, type ChatRow, type MessageWithSender } from './chat.repository.js';
import type { ChatView, Page } from './chat.types.js';
import { ChatCache, directKey } from './chat-cache.js';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.js';
import type { MessageSendInput } from './message.schemas.js';
import { type MessageView, toMessageView } from './message.types.js';
import { MessageWriter } from './message-writer.js';

const FOREIGN_KEY_VIOLATION = '23503';

export interface SendResult {
  message: MessageView;
  /** True for a retry of a clientMessageId already stored: ack it, deliver nothing again. */
  duplicate: boolean;
  recipients: string[];
}

@Injectable()
export class ChatService {
  private readonly pendingDirect = new Map<string, Promise<string>>();
  /** Per sender, while a media check is in flight: settles once their last queued message is in the writer. */
  private readonly mediaChecks = new Map<string, Promise<void>>();

  constructor(
    private readonly chats: ChatRepository,
    private readonly writer: MessageWriter,
    private readonly cache: ChatCache,
    private readonly emitter: RealtimeEmitter,
    private readonly media: MediaService,
    private readonly presence: PresenceService,
  ) {}

  /**
   * Stores a message from `sender` (always the authenticated user) and returns it once committed.
   * Not async on purpose: with the pair's chat id cached, the write is queued before this returns, so
   * a socket's messages enter the writer, and get their seqs, in the order they arrived.
   * A message carrying one of our uploads waits for an async media check; meanwhile the same sender's later
   * messages queue behind it, so their order holds. Other senders, and text with nothing queued, never wait.
   */
  send(sender: PublicUser, input: MessageSendInput): Promise<SendResult> {
    const mediaId = input.mediaUrl ? this.media.uploadIdOf(input.mediaUrl) : null;
    const ahead = this.mediaChecks.get(sender.id);
    if (!mediaId && !ahead) return this.sendNow(sender, input, null);
    let sent!: Promise<SendResult>;
    const queued = (ahead ?? Promise.resolve())
      .then(() => (mediaId ? this.withStoredMedia(sender, input, mediaId) : input))
      .then((checked) => {
        sent = this.sendNow(sender, checked, mediaId);
      });
    // The next message waits for this one to be queued in the writer (or refused), not for its commit.
    const tail = queued.catch(() => {});
    this.mediaChecks.set(sender.id, tail);
    void tail.then(() => {
      if (this.mediaChecks.get(sender.id) === tail) this.mediaChecks.delete(sender.id);
    });
    return queued.then(() => sent);
  }

  /**
   * The message carries the stored type and plain URL of our upload, once the sender may send it to this
   * chat. Checked before anything is written: a refused upload makes no chat.
   */
  private async withStoredMedia(
    sender: PublicUser,
    input: MessageSendInput,
    mediaId: string,
  ): Promise<MessageSendInput> {
    const key = directKey(sender.id, input.receiverId);
    const chatId = this.cache.chatIdOf(key) ?? (await this.chats.findDirect(key)) ?? null;
    const media = await this.media.checkSendable(mediaId, input.mediaUrl!, sender.id, chatId);
    return { ...input, ...media };
  }

  /** `mediaId`: the upload the message carries, checked; null when its mediaUrl (if any) is not ours. */
  private sendNow(sender: PublicUser, input: MessageSendInput, mediaId: string | null): Promise<SendResult> {
    const cached = this.cache.chatIdOf(directKey(sender.id, input.receiverId));
    const write = (chatId: string) =>
      this.writer.write({
        id: newId(),
        chatId,
        senderId: sender.id,
        content: input.content,
        mediaUrl: input.mediaUrl,
        mediaType: input.mediaType,
        mediaId,
        replyToId: null,
        clientMessageId: input.clientMessageId,
        createdAt: new Date(),
      });
    const written = cached ? write(cached) : this.directChatId(sender.id, input.receiverId).then(write);
    return written.then((message) => {
      if (message.firstWords && sender.id !== input.receiverId)
        this.presence.reveal(sender.id, [input.receiverId]);
      return {
        message: toMessageView(message, sender),
        duplicate: message.duplicate,
        recipients: sender.id === input.receiverId ? [sender.id] : [sender.id, input.receiverId],
      };
    });
  }

  async openDirect(userId: string, peerId: string): Promise<{ chat: ChatView; created: boolean }> {
    const { id, created } = await this.createDirect(userId, peerId);
    const row = await this.chats.getChat(userId, id);
    return { chat: toChatView(row!), created };
  }

  async listChats(userId: string, limit: number, cursor?: string): Promise<Page<ChatView>> {
    const rows = await this.chats.listChats(userId, limit + 1, cursor ? decodeChatCursor(cursor) : undefined);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toChatView),
      nextCursor: rows.length > limit && last ? encodeChatCursor(last) : null,
    };
  }

  /** Newest first below `before`, or oldest first above `after` (gap fill). Non-members get 404. */
  async history(
    userId: string,
    chatId: string,
    query: { limit: number; before?: number; after?: number },
  ): Promise<Page<MessageView>> {
    await this.membersFor(chatId, userId);
    const rows =
      query.after !== undefined
        ? await this.chats.messagesAfter(chatId, query.after, query.limit + 1)
        : await this.chats.messagesBefore(chatId, query.before, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(viewOf),
      nextCursor: rows.length > query.limit ? String(page.at(-1)!.seq) : null,
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
    const members = await this.membersFor(chatId, userId);
    const message = await this.chats.findMessage(chatId, messageId);
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
    await this.membersFor(chatId, userId);
    const message = await this.chats.findMessage(chatId, messageId);
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

  /** The chat a typing event is about, and whom to tell; never creates a chat. */
  async typingTarget(userId: string, target: { chatId?: string; receiverId?: string }) {
    let chatId = target.chatId;
    if (!chatId) {
      const key = directKey(userId, target.receiverId!);
      chatId = this.cache.chatIdOf(key) ?? (await this.chats.findDirect(key));
      if (!chatId) throw new AppError('CHAT_NOT_FOUND');
      this.cache.rememberDirect(key, chatId);
    }
    const members = await this.membersFor(chatId, userId);
    return { chatId, peerIds: members.filter((id) => id !== userId) };
  }

  /** The members of a chat the caller belongs to; 404 otherwise, so an id reveals nothing. */
  private async membersFor(chatId: string, userId: string): Promise<readonly string[]> {
    let members = this.cache.membersOf(chatId);
    if (!members) {
      members = await this.chats.memberIds(chatId);
      if (members.length > 0) this.cache.rememberMembers(chatId, members);
    }
    if (!members.includes(userId)) throw new AppError('CHAT_NOT_FOUND');
    return members;
  }

  // Concurrent first messages of a pair share one lookup; its callbacks then run in arrival order.
  private directChatId(a: string, b: string): Promise<string> {
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
      if (causeCode(error) === FOREIGN_KEY_VIOLATION) throw new AppError('USER_NOT_FOUND');
      throw error;
    }
  }
}

function viewOf(m: MessageWithSender): MessageView {
  return toMessageView(m, m.sender);
}

function toChatView(row: ChatRow): ChatView {
  return {
    id: row.id,
    type: row.type,
    peer: { id: row.peerId, name: row.peerName, avatar: row.peerAvatar },
    lastMessage: row.lastMessage ? viewOf(row.lastMessage) : null,
    unreadCount: Math.max(0, row.unreadCount),
    readSeq: row.lastReadSeq,
    peerReadSeq: row.peerReadSeq,
    peerDeliveredSeq: row.peerDeliveredSeq,
    updatedAt: row.updatedAt.toISOString(),
  };
}
