import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Roster } from '../chats/chat-cache.js';
import { ChatsService } from '../chats/chats.service.js';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import { Clock } from '../common/time/clock.js';
import { pageOfRows } from '../common/validation/keyset-cursor.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ServerToClientEvents } from '../contract/events.js';
import type { MessageSendInput } from '../contract/message-inputs.js';
import type { MessageView, Page, PublicUser, ReplyPreview } from '../contract/views.js';
import { violatedConstraint } from '../database/sqlstate.js';
import { MediaService } from '../media/media.service.js';
import { Metrics } from '../metrics/metrics.service.js';
import { PresenceService } from '../realtime/presence.service.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { type AppliedChange, type ChangeOp, REACTION_LIMITS } from './chat-log.repository.js';
import { newMessageView, type WrittenMessage } from './message.types.js';
import { MessageViews } from './message-views.js';
import { MessageWriter } from './message-writer.js';
import { MessagesRepository } from './messages.repository.js';

/**
 * What a send carries once checked: our upload's canonical link and stored type, the message it answers,
 * and, for a send by chatId, the chat's roster as this process knows it.
 */
interface CheckedSend {
  input: MessageSendInput;
  mediaId: string | null;
  replyTo: ReplyPreview | null;
  roster: Roster | null;
}

/**
 * The message path, top to bottom, in one place: a message is limited, its chat resolved, its media and
 * reply checked, written by the group commit, and once committed delivered to every device of its chat's
 * members (unless it was a retry of one already stored) and counted. Edits, deletes and reactions go the
 * same way: limited, judged and applied in the writer's statement with the chat's next seq, and delivered
 * once committed. Nothing is delivered or acknowledged before its commit; a refusal writes nothing.
 */
@Injectable()
export class MessagesService {
  /** Per sender, while a check is in flight: settles once their last queued message is in the writer. */
  private readonly checks = new Map<string, Promise<void>>();
  private readonly editWindowMs: number | null;

  constructor(
    private readonly chats: ChatsService,
    private readonly writer: MessageWriter,
    private readonly messages: MessagesRepository,
    private readonly views: MessageViews,
    private readonly media: MediaService,
    private readonly presence: PresenceService,
    private readonly emitter: RealtimeEmitter,
    private readonly metrics: Metrics,
    private readonly limits: RateLimiters,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.editWindowMs =
      config.messages.editWindowSeconds === null ? null : config.messages.editWindowSeconds * 1000;
  }

  /**
   * Stores a message from `sender` (always the authenticated user) and delivers it to both sides of the
   * direct chat with `receiverId` once committed; a retry of a stored clientMessageId is acknowledged with
   * the original and delivered nothing. A message that needs no check is queued in the writer in the
   * same turn as its limit check, so a socket's messages get their seqs in the order they arrived; one
   * that carries our upload or answers a message waits for its check, and the same sender's later
   * messages queue behind it, so their order holds. Other senders never wait.
   */
  async send(sender: PublicUser, input: MessageSendInput): Promise<MessageView> {
    await this.limits.consume('messages', sender.id);
    const mediaId = input.mediaUrl ? this.media.uploadIdOf(input.mediaUrl) : null;
    const ahead = this.checks.get(sender.id);
    const roster = input.chatId ? this.chats.cachedRosterFor(input.chatId, sender.id) : null;
    if (!mediaId && !input.replyToId && !ahead && (!input.chatId || roster)) {
      return this.store(sender, { input, mediaId: null, replyTo: null, roster: roster ?? null });
    }
    let stored!: Promise<MessageView>;
    const queued = (ahead ?? Promise.resolve())
      .then(() => this.check(sender, input, mediaId))
      .then((checked) => {
        stored = this.store(sender, checked);
      });
    // The next message waits for this one to be queued in the writer (or refused), not for its commit.
    const tail = queued.catch(() => {});
    this.checks.set(sender.id, tail);
    void tail.then(() => {
      if (this.checks.get(sender.id) === tail) this.checks.delete(sender.id);
    });
    await queued;
    return stored;
  }

  /** New text for one's own message, within the edit window; every member's devices hear of it. */
  async edit(userId: string, messageId: string, content: string): Promise<MessageView> {
    const { applied, at } = await this.change(userId, 'edit', messageId, { content });
    if (applied.outcome === 'ok') {
      this.deliverToChat(applied, 'chat:message_edited', {
        chatId: applied.chatId!,
        messageId,
        seq: applied.seq!,
        content,
        editedAt: at.toISOString(),
      });
    }
    return this.viewFor(applied.chatId!, messageId, userId);
  }

  /**
   * Deletes a message for everyone (its author, within the edit window: a tombstone, and its upload, if
   * no other message carries it, is no longer served) or for oneself (hidden from one's own history, sync
   * and unread; only one's own devices hear of it). Deleting again changes nothing and succeeds.
   */
  async delete(userId: string, messageId: string, scope: 'everyone' | 'me'): Promise<MessageView> {
    const { applied, at } = await this.change(
      userId,
      scope === 'everyone' ? 'delete' : 'hide',
      messageId,
      {},
    );
    if (applied.outcome === 'ok') {
      const event = {
        chatId: applied.chatId!,
        messageId,
        seq: applied.seq!,
        scope,
        deletedAt: at.toISOString(),
      };
      if (scope === 'me') this.emitter.deliver([userId], 'chat:message_deleted', event);
      else this.deliverToChat(applied, 'chat:message_deleted', event);
      if (scope === 'everyone' && applied.mediaId) this.media.releaseIfUnused(applied.mediaId);
    }
    return this.viewFor(applied.chatId!, messageId, userId);
  }

  /** Adds or removes one's reaction; doing it twice is doing it once. Every member's devices hear of it. */
  async react(userId: string, messageId: string, emoji: string, op: 'add' | 'remove'): Promise<MessageView> {
    const { applied } = await this.change(userId, op === 'add' ? 'react' : 'unreact', messageId, { emoji });
    if (applied.outcome === 'ok') {
      this.deliverToChat(applied, 'chat:reaction_updated', {
        chatId: applied.chatId!,
        messageId,
        seq: applied.seq!,
        emoji,
        userId,
        op,
        count: applied.count!,
      });
    }
    return this.viewFor(applied.chatId!, messageId, userId);
  }

  /** Newest first below `before`, or oldest first above `after` (gap fill). Non-members get 404. */
  async history(
    userId: string,
    chatId: string,
    query: { limit: number; before?: number; after?: number },
  ): Promise<Page<MessageView>> {
    const roster = await this.chats.currentRosterFor(chatId, userId);
    const floor = roster.floors.get(userId)!;
    const rows = await this.messages.page(chatId, userId, floor, { ...query, limit: query.limit + 1 });
    const page = pageOfRows(rows, query.limit, (last) => String(last.seq));
    return { items: page.rows, nextCursor: page.nextCursor };
  }

  /**
   * A send's checks, before anything is written (a refused send makes no chat): our upload must be the
   * sender's, or carried already by a message of the chat; the answered message must be one of the chat's.
   */
  private async check(
    sender: PublicUser,
    input: MessageSendInput,
    mediaId: string | null,
  ): Promise<CheckedSend> {
    const roster = input.chatId ? await this.chats.rosterFor(input.chatId, sender.id) : null;
    const chatId = input.chatId ?? (await this.chats.existingDirect(sender.id, input.receiverId));
    let checked = input;
    if (mediaId) {
      const media = await this.media.checkSendable(mediaId, sender.id, chatId ?? null);
      checked = { ...input, ...media };
    }
    let replyTo: ReplyPreview | null = null;
    if (input.replyToId) {
      const original = chatId ? await this.messages.replyPreview(chatId, input.replyToId) : undefined;
      if (!original) throw new AppError('MESSAGE_NOT_FOUND', 'replyToId: no such message in this chat');
      if (original.deleted) throw new AppError('MESSAGE_DELETED', 'replyToId: that message was deleted');
      replyTo = original;
    }
    return { input: checked, mediaId, replyTo, roster };
  }

  /**
   * Writes the message (creating the direct chat on its first message), then delivers it: in a direct
   * chat to both members (not to one who blocks the sender: the statement stored it hidden from them);
   * in a group to every member of the roster at the version the message was numbered at. A sender removed
   * meanwhile (through another instance, say) is refused by the database and nothing is stored.
   */
  private async store(sender: PublicUser, checked: CheckedSend): Promise<MessageView> {
    const { input, mediaId, replyTo, roster } = checked;
    const receiverId = roster ? peerIn(roster, sender.id) : input.receiverId;
    const write = (chatId: string) =>
      this.writer.write({
        id: newId(),
        chatId,
        senderId: sender.id,
        receiverId,
        content: input.content,
        mediaUrl: input.mediaUrl,
        mediaType: input.mediaType,
        mediaId,
        replyToId: input.replyToId,
        clientMessageId: input.clientMessageId,
        createdAt: new Date(this.clock.now()),
      });
    let written: WrittenMessage;
    try {
      if (input.chatId !== null) written = await write(input.chatId);
      else {
        const to = input.receiverId;
        const cached = this.chats.cachedDirect(sender.id, to);
        written = await (cached ? write(cached) : this.chats.directChatId(sender.id, to).then(write));
      }
    } catch (error) {
      if (violatedConstraint(error) === 'messages_chat_member_fk') throw new AppError('CHAT_NOT_FOUND');
      throw error;
    }
    // A retry is acknowledged with the original as it now is, and delivered nothing a second time.
    if (written.duplicate) return this.viewFor(written.chatId, written.id, sender.id);
    const view = newMessageView(written, sender, replyTo);
    // A direct chat's recipients are known at once; a group's roster may need reading at the message's version.
    const recipients =
      roster?.type === 'GROUP'
        ? await this.groupAudience(written, roster)
        : directRecipients(written, receiverId);
    this.emitter.deliver(recipients, 'chat:message_receive', view);
    this.metrics.messagesDelivered.inc(recipients.length);
    if (written.firstWords && receiverId && !written.hiddenFromReceiver)
      this.presence.reveal(sender.id, [receiverId]);
    return view;
  }

  // The members of a group who hear of a new message: see store.
  private async groupAudience(written: WrittenMessage, known: Roster): Promise<readonly string[]> {
    const roster =
      known.version >= written.stateSeq ? known : await this.chats.roster(written.chatId, written.stateSeq);
    return roster ? audienceOf(roster, written.stateSeq, written.seq) : [written.senderId];
  }

  // Limits, then writes a change with the chat's next seq; refusals become the catalog's errors.
  private async change(
    userId: string,
    op: ChangeOp,
    messageId: string,
    fields: { content?: string; emoji?: string },
  ): Promise<{ applied: AppliedChange; at: Date }> {
    await this.limits.consume('messages', userId);
    const at = new Date(this.clock.now());
    const editableSince = this.editWindowMs === null ? null : new Date(at.getTime() - this.editWindowMs);
    let applied: AppliedChange;
    try {
      applied = await this.writer.change({
        op,
        messageId,
        actorId: userId,
        content: fields.content ?? null,
        emoji: fields.emoji ?? null,
        at,
        editableSince: op === 'edit' || op === 'delete' ? editableSince : null,
      });
    } catch (error) {
      // Another instance's reaction got in first and the limit check after both refused this one.
      if (violatedConstraint(error) === 'message_reactions_limit') throw reactionLimit();
      throw error;
    }
    refuseUnlessApplied(applied);
    return { applied, at };
  }

  // To every device of every member who may see the message (the roster at the change's version; in a
  // direct chat, not to a member who blocks the actor), once committed: a device that misses it gets it
  // from GET /api/sync.
  private deliverToChat<E extends keyof ServerToClientEvents>(
    applied: AppliedChange,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): void {
    const chatId = applied.chatId!;
    this.chats.roster(chatId, applied.stateSeq!).then(
      (roster) => {
        if (!roster) return;
        const audience = audienceOf(roster, applied.stateSeq!, applied.messageSeq!);
        const muted = applied.mutedFor;
        this.emitter.deliver(
          muted.length ? audience.filter((id) => !muted.includes(id)) : audience,
          event,
          payload,
        );
      },
      (err: unknown) => this.logger.warn({ err, chatId, event }, 'delivery of a change failed'),
    );
  }

  private async viewFor(chatId: string, messageId: string, viewerId: string): Promise<MessageView> {
    const view = await this.views.of(chatId, messageId, viewerId);
    if (!view) throw new AppError('MESSAGE_NOT_FOUND');
    return view;
  }
}

function refuseUnlessApplied({ outcome }: AppliedChange): void {
  switch (outcome) {
    case 'ok':
    case 'unchanged':
      return;
    case 'not_found':
      throw new AppError('MESSAGE_NOT_FOUND');
    case 'deleted':
      throw new AppError('MESSAGE_DELETED');
    case 'forbidden':
      throw new AppError('FORBIDDEN', 'Only the author may edit or delete a message for everyone');
    case 'expired':
      throw new AppError('EDIT_WINDOW_EXPIRED');
    case 'empty':
      throw new AppError('VALIDATION_FAILED', 'content: must not be empty on a message without media', [
        { path: 'content', message: 'must not be empty on a message without media' },
      ]);
    case 'limit':
      throw reactionLimit();
    case 'system':
      throw new AppError('FORBIDDEN', 'System messages cannot be edited, deleted or reacted to');
  }
}

/** Who hears of a new direct message: both members, but not a receiver it is hidden from (a blocker). */
function directRecipients(written: WrittenMessage, receiverId: string | null): readonly string[] {
  if (!receiverId || written.hiddenFromReceiver) return [written.senderId];
  return [written.senderId, receiverId];
}

/** The other member of a direct chat (none in a chat with oneself, nor in a group). */
function peerIn(roster: Roster, senderId: string): string | null {
  return roster.type === 'DIRECT' ? (roster.ids.find((id) => id !== senderId) ?? null) : null;
}

/**
 * The members who may see what happened at `seq` in a chat whose roster was at `version` then: all of
 * them if the roster is of that version; from a newer roster, those whose floor is at or below it.
 */
function audienceOf(roster: Roster, version: number, seq: number): readonly string[] {
  if (roster.version === version) return roster.ids;
  return roster.ids.filter((id) => roster.floors.get(id)! <= seq);
}

function reactionLimit(): AppError {
  const { perUser, distinctEmoji } = REACTION_LIMITS;
  return new AppError(
    'REACTION_LIMIT',
    `A message takes at most ${perUser} reactions from one person and ${distinctEmoji} different emoji`,
  );
}
