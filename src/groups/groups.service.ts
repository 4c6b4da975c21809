import { Inject, Injectable } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service.js';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import { Clock } from '../common/time/clock.js';
import { cursorParts, decodeCursor, encodeCursor, pageOfRows } from '../common/validation/keyset-cursor.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ServerToClientEvents } from '../contract/events.js';
import type { CreateGroupInput, UpdateGroupInput } from '../contract/group-inputs.js';
import type {
  ChatRole,
  ChatView,
  CreatedGroupView,
  MembersAddedView,
  MemberView,
  MessageView,
  OwnerChangedView,
  Page,
  ReaderView,
  SystemEvent,
} from '../contract/views.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { GroupsRepository, type GroupTx, type LockedChat, type MemberRow } from './groups.repository.js';
import { systemText } from './system-text.js';

type GroupEvent = 'chat:updated' | 'chat:member_added' | 'chat:member_removed' | 'chat:member_role_changed';

/** A system message written in a change's transaction: delivered with its event once committed. */
interface Recorded {
  id: string;
  seq: number;
}

/**
 * Groups, top to bottom: who may change what, the change and its system message in one transaction
 * under the chat's row lock, then, once committed, the live event to every member at the new version (and
 * to whoever was removed, last). Non-members get 404 for any group, so an id reveals nothing; members
 * without the right get 403.
 */
@Injectable()
export class GroupsService {
  private readonly maxMembers: number;

  constructor(
    private readonly groups: GroupsRepository,
    private readonly chats: ChatsService,
    private readonly messages: MessagesRepository,
    private readonly emitter: RealtimeEmitter,
    private readonly limits: RateLimiters,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxMembers = config.groups.maxMembers;
  }

  /**
   * A group owned by its creator, with the people named who exist and do not block the creator. An
   * unknown id fails the whole call; people who block the creator are in `notAdded`, without why.
   */
  async create(actorId: string, input: CreateGroupInput): Promise<CreatedGroupView> {
    await this.limits.consume('messages', actorId);
    const chatId = newId();
    const { recorded, added, notAdded } = await this.groups.change(async (tx) => {
      const candidates = await this.known(
        tx,
        chatId,
        input.memberIds.filter((id) => id !== actorId),
        actorId,
      );
      const added = candidates.filter((c) => !c.blocksActor).map((c) => c.id);
      if (added.length + 1 > this.maxMembers) throw groupFull(this.maxMembers);
      await tx.createGroup(chatId, input.title, input.avatar ?? null);
      await tx.join(chatId, [actorId], 'owner', 1);
      await tx.join(chatId, added, 'member', 1);
      const recorded = await this.record(tx, chatId, actorId, {
        type: 'created',
        title: input.title,
        userIds: added,
      });
      return { recorded, added, notAdded: candidates.filter((c) => c.blocksActor).map((c) => c.id) };
    });
    const chat = await this.chats.chatView(actorId, chatId);
    const message = await this.systemMessage(chatId, recorded, actorId);
    this.emitter.deliver([actorId, ...added], 'chat:updated', {
      chatId,
      seq: recorded.seq,
      title: chat.title!,
      avatar: chat.avatar,
      historyVisibility: chat.historyVisibility!,
      memberCount: chat.memberCount,
      message,
    });
    return { ...chat, notAdded };
  }

  /** New title, avatar or history setting (admins); a call that changes nothing records nothing. */
  async update(actorId: string, chatId: string, input: UpdateGroupInput): Promise<ChatView> {
    await this.limits.consume('messages', actorId);
    const result = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (!isAdmin(chat.actorRole)) throw forbidden('Only admins may change the group');
      const event: SystemEvent & { type: 'updated' } = { type: 'updated' };
      if (input.title !== undefined && input.title !== chat.title) event.title = input.title;
      if (input.avatar !== undefined && input.avatar !== chat.avatar) event.avatar = input.avatar;
      if (input.historyVisibility !== undefined && input.historyVisibility !== chat.historyVisibility)
        event.historyVisibility = input.historyVisibility;
      if (Object.keys(event).length === 1) return undefined;
      const settings = {
        title: event.title ?? chat.title!,
        avatar: event.avatar === undefined ? chat.avatar : event.avatar,
        historyVisibility: event.historyVisibility ?? chat.historyVisibility,
      };
      await tx.updateSettings(chatId, settings);
      return {
        recorded: await this.record(tx, chatId, actorId, event),
        settings,
        memberCount: chat.memberCount,
      };
    });
    if (result) {
      const { recorded, settings, memberCount } = result;
      const message = await this.systemMessage(chatId, recorded, actorId);
      await this.toMembers(chatId, recorded.seq, [], 'chat:updated', {
        chatId,
        seq: recorded.seq,
        ...settings,
        memberCount,
        message,
      });
    }
    return this.chats.chatView(actorId, chatId);
  }

  /**
   * Adds people (admins), all or none: an unknown id fails the call, and so does going over
   * GROUP_MAX_MEMBERS, checked under the chat's lock so that concurrent adds cannot pass it together.
   */
  async addMembers(actorId: string, chatId: string, userIds: string[]): Promise<MembersAddedView> {
    await this.limits.consume('messages', actorId);
    const outcome = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (!isAdmin(chat.actorRole)) throw forbidden('Only admins may add people');
      const candidates = await this.known(tx, chatId, userIds, actorId);
      const alreadyMembers = candidates.filter((c) => c.member).map((c) => c.id);
      const notAdded = candidates.filter((c) => !c.member && c.blocksActor).map((c) => c.id);
      const added = candidates.filter((c) => !c.member && !c.blocksActor).map((c) => c.id);
      if (added.length === 0) return { view: { added, alreadyMembers, notAdded } };
      if (chat.memberCount + added.length > this.maxMembers) throw groupFull(this.maxMembers);
      const recorded = await this.record(tx, chatId, actorId, { type: 'member_added', userIds: added });
      await tx.join(chatId, added, 'member', recorded.seq);
      return {
        view: { added, alreadyMembers, notAdded },
        recorded,
        memberCount: chat.memberCount + added.length,
      };
    });
    const { view, recorded, memberCount } = outcome;
    if (recorded) {
      const [message, members] = await Promise.all([
        this.systemMessage(chatId, recorded, actorId),
        this.groups.membersByIds(chatId, view.added),
      ]);
      await this.toMembers(chatId, recorded.seq, [], 'chat:member_added', {
        chatId,
        seq: recorded.seq,
        members: members.map(memberView),
        memberCount: memberCount!,
        message,
      });
    }
    return view;
  }

  /**
   * Removes a member: the owner removes anyone, an admin removes plain members. Removing oneself is
   * leaving. The removed member hears of it last, and of nothing in the group after it.
   */
  async removeMember(actorId: string, chatId: string, userId: string): Promise<void> {
    if (userId === actorId) return this.leave(actorId, chatId);
    await this.limits.consume('messages', actorId);
    const { recorded, memberCount } = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (!isAdmin(chat.actorRole)) throw forbidden('Only admins may remove people');
      const role = await tx.roleOf(chatId, userId);
      if (role === undefined) throw notMember();
      if (chat.actorRole !== 'owner' && role !== 'member') {
        throw forbidden('Admins may remove members only; the owner may remove admins');
      }
      const recorded = await this.record(tx, chatId, actorId, {
        type: 'member_removed',
        userId,
        reason: 'removed',
      });
      await tx.leave(chatId, userId, recorded.seq);
      return { recorded, memberCount: chat.memberCount - 1 };
    });
    await this.announceRemoval(chatId, recorded, actorId, userId, 'removed', memberCount);
  }

  /** Leaves a group. The owner must hand it over first, unless nobody else is left in it. */
  async leave(actorId: string, chatId: string): Promise<void> {
    await this.limits.consume('messages', actorId);
    const { recorded, memberCount } = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (chat.actorRole === 'owner' && chat.memberCount > 1) throw new AppError('OWNER_MUST_TRANSFER');
      // Written before the membership ends: a system message's sender is a member, like any sender.
      const recorded = await this.record(tx, chatId, actorId, {
        type: 'member_removed',
        userId: actorId,
        reason: 'left',
      });
      await tx.leave(chatId, actorId, recorded.seq);
      return { recorded, memberCount: chat.memberCount - 1 };
    });
    await this.announceRemoval(chatId, recorded, actorId, actorId, 'left', memberCount);
  }

  /** Makes a member an admin or a plain member again (the owner). */
  async setRole(
    actorId: string,
    chatId: string,
    userId: string,
    role: 'admin' | 'member',
  ): Promise<MemberView> {
    await this.limits.consume('messages', actorId);
    const recorded = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (chat.actorRole !== 'owner') throw forbidden('Only the owner may change roles');
      const current = await tx.roleOf(chatId, userId);
      if (current === undefined) throw notMember();
      if (current === 'owner') throw forbidden('The owner keeps the role until handing the group over');
      if (current === role) return undefined;
      await tx.setRole(chatId, userId, role);
      return this.record(tx, chatId, actorId, { type: 'member_role_changed', userId, role });
    });
    if (recorded) await this.announceRole(chatId, recorded, actorId, userId, role);
    const [member] = await this.groups.membersByIds(chatId, [userId]);
    return memberView(member!);
  }

  /** Hands the group over (the owner): the new owner's role, then the old owner's (admin now), two seqs. */
  async transferOwnership(actorId: string, chatId: string, userId: string): Promise<OwnerChangedView> {
    await this.limits.consume('messages', actorId);
    if (userId === actorId) {
      throw new AppError('VALIDATION_FAILED', 'userId: you are the owner already', [
        { path: 'userId', message: 'you are the owner already' },
      ]);
    }
    const [promoted, demoted] = await this.groups.change(async (tx) => {
      const chat = await this.lockGroup(tx, chatId, actorId);
      if (chat.actorRole !== 'owner') throw forbidden('Only the owner may hand the group over');
      if ((await tx.roleOf(chatId, userId)) === undefined) throw notMember();
      await tx.setRole(chatId, userId, 'owner');
      const promoted = await this.record(tx, chatId, actorId, {
        type: 'member_role_changed',
        userId,
        role: 'owner',
      });
      await tx.setRole(chatId, actorId, 'admin');
      const demoted = await this.record(tx, chatId, actorId, {
        type: 'member_role_changed',
        userId: actorId,
        role: 'admin',
      });
      return [promoted, demoted];
    });
    await this.announceRole(chatId, promoted, actorId, userId, 'owner');
    await this.announceRole(chatId, demoted, actorId, actorId, 'admin');
    const [owner, previousOwner] = await this.groups.membersByIds(chatId, [userId, actorId]);
    return { owner: memberView(owner!), previousOwner: memberView(previousOwner!) };
  }

  /** Current members, oldest first (members only). */
  async members(actorId: string, chatId: string, limit: number, cursor?: string): Promise<Page<MemberView>> {
    const after = cursor
      ? decodeCursor<[number, string]>(cursor, [cursorParts.int, cursorParts.uuid])
      : undefined;
    await this.chats.currentRosterFor(chatId, actorId);
    const rows = await this.groups.members(chatId, limit + 1, after);
    const page = pageOfRows(rows, limit, (last) => encodeCursor(last.joinedSeq, last.id));
    return { items: page.rows.map(memberView), nextCursor: page.nextCursor };
  }

  /** Who has read a message (members only): members whose read mark reached it, the sender aside. */
  async readers(
    actorId: string,
    chatId: string,
    messageId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<ReaderView>> {
    const after = cursor ? decodeCursor<[string]>(cursor, [cursorParts.uuid])[0] : undefined;
    const { message } = await this.chats.visibleMessage(chatId, actorId, messageId);
    const rows = await this.groups.readers(chatId, message.seq, message.senderId, limit + 1, after);
    const page = pageOfRows(rows, limit, (last) => encodeCursor(last.id));
    return {
      items: page.rows.map((r) => ({
        user: { id: r.id, name: r.name, avatar: r.avatar },
        readSeq: r.readSeq,
      })),
      nextCursor: page.nextCursor,
    };
  }

  // The chat, locked, when it is a group the actor is in: 404 for a non-member, 403 for a direct chat.
  private async lockGroup(tx: GroupTx, chatId: string, actorId: string): Promise<LockedChat> {
    const chat = await tx.lock(chatId, actorId);
    if (!chat || chat.actorRole === undefined) throw new AppError('CHAT_NOT_FOUND');
    if (chat.type !== 'GROUP') throw forbidden('A direct chat has no members to manage');
    return chat;
  }

  // The people named, each of whom must exist (one unknown id fails the whole call).
  private async known(tx: GroupTx, chatId: string, userIds: string[], actorId: string) {
    const candidates = await tx.candidates(chatId, userIds, actorId);
    const unknown = candidates.find((c) => !c.exists);
    if (unknown) throw new AppError('USER_NOT_FOUND', `User ${unknown.id} not found`);
    return candidates;
  }

  // The change's system message, in the same transaction, with the chat's next seq.
  private async record(tx: GroupTx, chatId: string, actorId: string, event: SystemEvent): Promise<Recorded> {
    const named = [actorId, ...mentioned(event)];
    const names = await tx.names(named);
    const content = systemText(event, actorId, (id) => names.get(id) ?? 'Someone');
    const id = newId();
    const seq = await tx.appendSystem(chatId, {
      id,
      actorId,
      content,
      event,
      at: new Date(this.clock.now()),
    });
    return { id, seq };
  }

  private async systemMessage(chatId: string, recorded: Recorded, viewerId: string): Promise<MessageView> {
    const [view] = await this.messages.views([{ chatId, messageId: recorded.id, viewerId }]);
    return view!;
  }

  private async announceRemoval(
    chatId: string,
    recorded: Recorded,
    actorId: string,
    userId: string,
    reason: 'removed' | 'left',
    memberCount: number,
  ): Promise<void> {
    const message = await this.systemMessage(chatId, recorded, actorId);
    await this.toMembers(chatId, recorded.seq, [userId], 'chat:member_removed', {
      chatId,
      seq: recorded.seq,
      userId,
      reason,
      memberCount,
      message,
    });
  }

  private async announceRole(
    chatId: string,
    recorded: Recorded,
    actorId: string,
    userId: string,
    role: ChatRole,
  ): Promise<void> {
    const message = await this.systemMessage(chatId, recorded, actorId);
    await this.toMembers(chatId, recorded.seq, [], 'chat:member_role_changed', {
      chatId,
      seq: recorded.seq,
      userId,
      role,
      message,
    });
  }

  // To every current member as of `version` (read again if this process knows an older roster), and to `also`.
  private async toMembers<E extends GroupEvent>(
    chatId: string,
    version: number,
    also: string[],
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): Promise<void> {
    const roster = await this.chats.roster(chatId, version);
    this.emitter.deliver([...(roster?.ids ?? []), ...also], event, payload);
  }
}

function isAdmin(role: ChatRole | null | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

function mentioned(event: SystemEvent): string[] {
  switch (event.type) {
    case 'created':
    case 'member_added':
      return event.userIds;
    case 'member_removed':
    case 'member_role_changed':
      return [event.userId];
    default:
      return [];
  }
}

function memberView(row: MemberRow): MemberView {
  return {
    user: { id: row.id, name: row.name, avatar: row.avatar },
    role: row.role ?? 'member',
    joinedAt: new Date(row.joinedAt).toISOString(),
  };
}

function forbidden(message: string): AppError {
  return new AppError('FORBIDDEN', message);
}

function notMember(): AppError {
  return new AppError('USER_NOT_FOUND', 'That user is not a member of this chat');
}

function groupFull(max: number): AppError {
  return new AppError('GROUP_FULL', `A group has at most ${max} members`);
}
