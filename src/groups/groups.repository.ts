import { Inject, Injectable } from '@nestjs/common';
import type { ChatRole, HistoryVisibility, SystemEvent } from '../contract/views.js';
import type { DatabaseHandle, QueryFn } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';

/** A chat as a membership change finds it, under its row lock, with the actor's place in it. */
export interface LockedChat {
  type: 'DIRECT' | 'GROUP';
  title: string | null;
  avatar: string | null;
  historyVisibility: HistoryVisibility;
  memberCount: number;
  /** The actor's role; undefined when the actor is not a current member. */
  actorRole: ChatRole | null | undefined;
}

/** One of the people a create or an add names, as the database knows them. */
export interface Candidate {
  id: string;
  name: string | null;
  exists: boolean;
  member: boolean;
  /** They block the actor. */
  blocksActor: boolean;
}

export interface MemberRow {
  id: string;
  name: string;
  avatar: string | null;
  role: ChatRole | null;
  joinedAt: Date | string;
  joinedSeq: number;
}

export interface ReaderRow {
  id: string;
  name: string;
  avatar: string | null;
  readSeq: number;
}

/**
 * A group's membership and settings. Every change runs in one transaction that first locks the chat's
 * row: changes to one chat (and the messages written to it, which lock the same row) take turns, so the
 * size cap holds against concurrent adds, and each change's system message takes the chat's next seq.
 */
@Injectable()
export class GroupsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Runs a change in one transaction; a deadlock with another instance's writer is tried once more. */
  async change<T>(work: (tx: GroupTx) => Promise<T>): Promise<T> {
    const run = () => this.database.transaction((query) => work(new GroupTx(query)));
    try {
      return await run();
    } catch (error) {
      if (sqlState(error) !== SQLSTATE.DEADLOCK) throw error;
      return run();
    }
  }

  /** Current members with their users, oldest first, after (joinedSeq, id). */
  members(chatId: string, limit: number, after?: [joinedSeq: number, id: string]): Promise<MemberRow[]> {
    return this.database.query<MemberRow>(
      `SELECT u.id, u.name, u.avatar_url AS avatar, cm.role, cm.joined_at AS "joinedAt", cm.joined_seq AS "joinedSeq"
       FROM chat_members cm JOIN users u ON u.id = cm.user_id
       WHERE cm.chat_id = $1 AND cm.left_seq IS NULL ${after ? 'AND (cm.joined_seq, cm.user_id) > ($3::int, $4::uuid)' : ''}
       ORDER BY cm.joined_seq, cm.user_id
       LIMIT $2`,
      after ? [chatId, limit, ...after] : [chatId, limit],
    );
  }

  /** These current members, in the order given. */
  async membersByIds(chatId: string, userIds: string[]): Promise<MemberRow[]> {
    const rows = await this.database.query<MemberRow & { ord: string | number }>(
      `SELECT x.ord, u.id, u.name, u.avatar_url AS avatar, cm.role, cm.joined_at AS "joinedAt",
              cm.joined_seq AS "joinedSeq"
       FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, ord)
       JOIN chat_members cm ON cm.chat_id = $1 AND cm.user_id = x.id AND cm.left_seq IS NULL
       JOIN users u ON u.id = cm.user_id
       ORDER BY x.ord`,
      [chatId, userIds],
    );
    return rows;
  }

  /**
   * Current members other than the sender whose read mark reached the message at `seq` and who were in
   * the chat when it was written, by id after `after`.
   */
  readers(
    chatId: string,
    seq: number,
    senderId: string,
    limit: number,
    after?: string,
  ): Promise<ReaderRow[]> {
    return this.database.query<ReaderRow>(
      `SELECT u.id, u.name, u.avatar_url AS avatar, cm.last_read_seq AS "readSeq"
       FROM chat_members cm JOIN users u ON u.id = cm.user_id
       WHERE cm.chat_id = $1 AND cm.left_seq IS NULL AND cm.last_read_seq >= $2 AND cm.joined_seq <= $2
         AND cm.user_id <> $3 ${after ? 'AND cm.user_id > $5::uuid' : ''}
       ORDER BY cm.user_id
       LIMIT $4`,
      after ? [chatId, seq, senderId, limit, after] : [chatId, seq, senderId, limit],
    );
  }
}

/** The statements of one membership change, on its transaction's connection. */
export class GroupTx {
  constructor(private readonly query: QueryFn) {}

  /** Locks the chat's row for the rest of the transaction; undefined when there is no such chat. */
  async lock(chatId: string, actorId: string): Promise<LockedChat | undefined> {
    const [row] = await this.query<
      Omit<LockedChat, 'actorRole'> & { isMember: boolean; role: ChatRole | null }
    >(
      `SELECT c.type::text AS type, c.title, c.avatar_url AS avatar, c.history_visibility AS "historyVisibility",
              c.member_count AS "memberCount", me.user_id IS NOT NULL AS "isMember", me.role
       FROM chats c LEFT JOIN chat_members me ON me.chat_id = c.id AND me.user_id = $2 AND me.left_seq IS NULL
       WHERE c.id = $1
       FOR UPDATE OF c`,
      [chatId, actorId],
    );
    if (!row) return undefined;
    const { isMember, role, ...chat } = row;
    return { ...chat, actorRole: isMember ? role : undefined };
  }

  /** A new group with no members yet (see join). */
  async createGroup(chatId: string, title: string, avatar: string | null): Promise<void> {
    await this.query(`INSERT INTO chats (id, type, title, avatar_url) VALUES ($1, 'GROUP', $2, $3)`, [
      chatId,
      title,
      avatar,
    ]);
  }

  /** The people named, in the order given, with whether they exist, are members, and block the actor. */
  candidates(chatId: string, userIds: string[], actorId: string): Promise<Candidate[]> {
    return this.query<Candidate>(
      `SELECT x.id, u.name, u.id IS NOT NULL AS exists,
              EXISTS (SELECT FROM chat_members cm WHERE cm.chat_id = $1 AND cm.user_id = x.id AND cm.left_seq IS NULL)
                AS member,
              EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = x.id AND b.blocked_id = $3) AS "blocksActor"
       FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, ord) LEFT JOIN users u ON u.id = x.id
       ORDER BY x.ord`,
      [chatId, userIds, actorId],
    );
  }

  /** The names of these users. */
  async names(userIds: string[]): Promise<Map<string, string>> {
    const rows = await this.query<{ id: string; name: string }>(
      `SELECT id, name FROM users WHERE id = ANY($1::uuid[])`,
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** A current member's role; undefined when they are not one. */
  async roleOf(chatId: string, userId: string): Promise<ChatRole | null | undefined> {
    const [row] = await this.query<{ role: ChatRole | null }>(
      `SELECT role FROM chat_members WHERE chat_id = $1 AND user_id = $2 AND left_seq IS NULL`,
      [chatId, userId],
    );
    return row ? row.role : undefined;
  }

  /**
   * A system message with the chat's next seq, which also becomes the chat's state_seq (the version of
   * its member lists). Its number is the chat's message count as it stands: it is not counted unread.
   */
  async appendSystem(
    chatId: string,
    input: { id: string; actorId: string; content: string; event: SystemEvent; at: Date },
  ): Promise<number> {
    const [row] = await this.query<{ seq: number }>(
      `WITH bumped AS (
         UPDATE chats SET last_seq = last_seq + 1, last_message_seq = last_seq + 1, state_seq = last_seq + 1,
                          updated_at = now()
         WHERE id = $1
         RETURNING last_seq, message_count
       )
       INSERT INTO messages (id, chat_id, seq, num, sender_id, content, kind, event, created_at)
       SELECT $2, $1, last_seq, message_count, $3, $4, 'system', $5::jsonb, $6 FROM bumped
       RETURNING seq`,
      [chatId, input.id, input.actorId, input.content, JSON.stringify(input.event), input.at.toISOString()],
    );
    return row!.seq;
  }

  /**
   * Makes these users current members from `seq` on (again, for someone who left), with everything
   * before counted as read.
   */
  async join(chatId: string, userIds: string[], role: ChatRole, seq: number): Promise<void> {
    await this.query(
      `WITH joined AS (
         INSERT INTO chat_members (chat_id, user_id, role, joined_seq, last_read_seq, last_read_num, last_delivered_seq)
         SELECT $1, x.id, $3, $4, $4, c.message_count, $4 FROM unnest($2::uuid[]) AS x(id), chats c WHERE c.id = $1
         ON CONFLICT (chat_id, user_id) DO UPDATE SET
           role = EXCLUDED.role, joined_seq = EXCLUDED.joined_seq, left_seq = NULL, joined_at = now(),
           last_read_seq = EXCLUDED.last_read_seq, last_read_num = EXCLUDED.last_read_num, unread_removed = 0,
           last_delivered_seq = EXCLUDED.last_delivered_seq
         RETURNING 1
       )
       UPDATE chats SET member_count = member_count + (SELECT count(*) FROM joined) WHERE id = $1`,
      [chatId, userIds, role, seq],
    );
  }

  /** Ends a membership at `seq`; the row stays, so the member's messages stay. */
  async leave(chatId: string, userId: string, seq: number): Promise<void> {
    await this.query(
      `WITH gone AS (
         UPDATE chat_members SET left_seq = $3, role = NULL
         WHERE chat_id = $1 AND user_id = $2 AND left_seq IS NULL
         RETURNING 1
       )
       UPDATE chats SET member_count = member_count - (SELECT count(*) FROM gone) WHERE id = $1`,
      [chatId, userId, seq],
    );
  }

  async setRole(chatId: string, userId: string, role: ChatRole): Promise<void> {
    await this.query(
      `UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = $2 AND left_seq IS NULL`,
      [chatId, userId, role],
    );
  }

  async updateSettings(
    chatId: string,
    settings: { title: string; avatar: string | null; historyVisibility: HistoryVisibility },
  ): Promise<void> {
    await this.query(`UPDATE chats SET title = $2, avatar_url = $3, history_visibility = $4 WHERE id = $1`, [
      chatId,
      settings.title,
      settings.avatar,
      settings.historyVisibility,
    ]);
  }
}
