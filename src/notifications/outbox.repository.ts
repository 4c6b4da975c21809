import { Inject, Injectable } from '@nestjs/common';
import type { MediaType, SystemEvent } from '../contract/views.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';

/** Chats are split by the last hex digit of their id; an instance works on some of the partitions. */
export const PARTITIONS = 16;

export interface HeldPartition {
  part: number;
  /** pg_snapshot text: the transactions whose rows this partition has notified. */
  seen: string;
  /** Held by the same owner before this renewal (false: just taken). */
  renewed: boolean;
}

/** A row of a chat's log committed after a partition's snapshot. */
export interface LogRow {
  source: 'message' | 'change';
  chatId: string;
  seq: number;
  txid: string;
  at: Date | string;
  messageId: string;
  actorId: string;
  /** Messages: 'user' or 'system'; changes: chat_events.kind. */
  kind: string;
  /** Messages: the system event; changes: chat_events.data. */
  data: SystemEvent | { content?: string; emoji?: string; count?: number } | null;
  content: string | null;
  mediaType: MediaType | null;
  senderName: string | null;
  chatType: 'DIRECT' | 'GROUP' | null;
  chatTitle: string | null;
  /** Messages: deleted for everyone since (as the snapshot saw it). */
  deleted: boolean | null;
}

/** A member who may see a new message, with whether a push to them is wanted (not muted, sender not blocked). */
export interface Recipient {
  ord: number;
  userId: string;
  pushable: boolean;
}

export interface SubscriptionRow {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export type Channel = 'webhook' | 'push';

export interface RetryRow {
  channel: Channel;
  target: string;
  id: string;
  chatId: string;
  seq: number;
  payload: unknown;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  /** Failed its last scheduled attempt: kept as a dead letter, never tried again. */
  dead?: boolean;
}

export interface ClaimedRetry extends RetryRow {
  /** Push only: the subscription, gone when it was removed since. */
  subscription: SubscriptionRow | null;
}

export interface ChannelStats {
  channel: Channel;
  pending: number;
  dead: number;
  oldestPendingSeconds: number;
}

/**
 * The notification outbox's SQL. The outbox is the chats' own log (messages and chat_events, found by the
 * transaction that wrote them) read past a snapshot per partition, so the send path writes nothing for
 * it; only notifications whose first attempt failed are stored, in outbox_retries.
 */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Instances holding an instance id now: the outbox's partitions are shared among them. */
  async liveInstances(leaseSeconds: number): Promise<number> {
    const [row] = await this.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM instances
       WHERE holder IS NOT NULL AND heartbeat_at > now() - make_interval(secs => $1)`,
      [leaseSeconds],
    );
    return Math.max(1, row?.n ?? 1);
  }

  /**
   * Renews the owner's partitions and takes free ones (never held, let go, or whose lease ran out) until
   * it holds `want`; lets go of any beyond `want`, so a new instance finds some free.
   */
  async holdPartitions(owner: string, want: number, leaseSeconds: number): Promise<HeldPartition[]> {
    return this.database.transaction(async (query) => {
      const mine = await query<HeldPartition>(
        `UPDATE outbox_partitions SET lease_until = now() + make_interval(secs => $2)
         WHERE owner = $1 RETURNING part, seen, true AS renewed`,
        [owner, leaseSeconds],
      );
      mine.sort((a, b) => a.part - b.part);
      if (mine.length > want) {
        const extra = mine.splice(want).map((p) => p.part);
        await query(
          `UPDATE outbox_partitions SET owner = NULL, lease_until = NULL WHERE owner = $1 AND part = ANY($2)`,
          [owner, extra],
        );
        return mine;
      }
      if (mine.length === want) return mine;
      const taken = await query<HeldPartition>(
        `UPDATE outbox_partitions p SET owner = $1, lease_until = now() + make_interval(secs => $3)
         FROM (SELECT part FROM outbox_partitions WHERE owner IS NULL OR lease_until < now()
               ORDER BY part LIMIT $2 FOR UPDATE SKIP LOCKED) free
         WHERE p.part = free.part RETURNING p.part, p.seen, false AS renewed`,
        [owner, want - mine.length, leaseSeconds],
      );
      return [...mine, ...taken];
    });
  }

  async releasePartitions(owner: string): Promise<void> {
    await this.database.query(
      `UPDATE outbox_partitions SET owner = NULL, lease_until = NULL WHERE owner = $1`,
      [owner],
    );
  }

  /**
   * The snapshot now, and the log rows of these partitions written by transactions at or past `fromXmax`
   * or listed in `inProgress` (every row an older snapshot had not seen is among them), read under that
   * same snapshot. Unless `everything`, only new messages of chats where someone besides the sender has a
   * push subscription: all that Web Push alone needs; with no push subscription at all in that snapshot,
   * none, and the log is not read.
   */
  async readLog(
    partitions: string[],
    fromXmax: string,
    inProgress: string[],
    everything: boolean,
  ): Promise<{ snapshot: string; rows: LogRow[] }> {
    return this.database.transaction(async (query) => {
      await query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // Asked in the read's snapshot, as the read below asks chat by chat: what it returns is the same
      // (nothing), and a service with neither webhooks nor push subscribers (where a deployment starts)
      // no longer reads every new message on every tick to find that out.
      const [head] = await query<{ snapshot: string; wanted: boolean }>(
        `SELECT pg_current_snapshot()::text AS snapshot,
                $1::boolean OR EXISTS (SELECT FROM push_subscriptions) AS wanted`,
        [everything],
      );
      if (!head!.wanted) return { snapshot: head!.snapshot, rows: [] };
      // The planner's guess for this read over every partition's new rows is past PostgreSQL's JIT
      // threshold, and compiling it cost more than running it, on every tick (see BENCHMARKS.md).
      await query('SET LOCAL jit = off');
      const rows = await query<LogRow>(
        `WITH fresh AS MATERIALIZED (
           SELECT * FROM messages m
           WHERE (m.txid >= $2::xid8 OR m.txid = ANY($3::xid8[])) AND right(m.chat_id::text, 1) = ANY($1)
             AND ($4 OR m.kind = 'user')
         ),
         -- Whether anyone else in the chat can be pushed to, asked once per chat and sender, not per message.
         -- Materialized, as fresh is: left inline, the planner ran it again for every message of the join.
         wanted AS MATERIALIZED (
           SELECT f.chat_id, f.sender_id FROM (SELECT DISTINCT chat_id, sender_id FROM fresh) f
           WHERE $4 OR EXISTS (
             SELECT FROM chat_members cm JOIN push_subscriptions ps ON ps.user_id = cm.user_id
             WHERE cm.chat_id = f.chat_id AND cm.user_id <> f.sender_id)
         )
         SELECT 'message' AS source, m.chat_id AS "chatId", m.seq, m.txid::text AS txid, m.created_at AS at,
                m.id AS "messageId", m.sender_id AS "actorId", m.kind, m.event AS data, m.content,
                m.media_type::text AS "mediaType", s.name AS "senderName", c.type AS "chatType", c.title AS "chatTitle",
                m.deleted_at IS NOT NULL AS deleted
         FROM fresh m JOIN wanted w ON w.chat_id = m.chat_id AND w.sender_id = m.sender_id
         JOIN users s ON s.id = m.sender_id JOIN chats c ON c.id = m.chat_id
         UNION ALL
         SELECT 'change', e.chat_id, e.seq, e.txid::text, e.created_at, e.message_id, e.actor_id, e.kind, e.data,
                NULL, NULL, NULL, NULL, NULL, NULL
         FROM chat_events e
         WHERE $4 AND (e.txid >= $2::xid8 OR e.txid = ANY($3::xid8[])) AND right(e.chat_id::text, 1) = ANY($1)
           AND e.kind <> 'message_hidden'
         ORDER BY 2, 3`,
        [partitions, fromXmax, inProgress, everything],
      );
      return { snapshot: head!.snapshot, rows };
    });
  }

  /** Records what the owner's partitions have notified; nothing when another instance took them over. */
  async advance(owner: string, parts: number[], seen: string, leaseSeconds: number): Promise<void> {
    await this.database.query(
      `UPDATE outbox_partitions SET seen = $3, lease_until = now() + make_interval(secs => $4)
       WHERE owner = $1 AND part = ANY($2)`,
      [owner, parts, seen, leaseSeconds],
    );
  }

  /**
   * For each new message (by position `ord`, from 1), the members who may see it: members when it was
   * written, not its sender, not someone it is hidden from. With `all` false, only those with a push
   * subscription (nobody else can be pushed to).
   */
  async recipients(
    messages: { chatId: string; seq: number; senderId: string }[],
    all: boolean,
    now: Date,
  ): Promise<Recipient[]> {
    if (messages.length === 0) return [];
    return this.database.query<Recipient>(
      `SELECT q.ord::int AS ord, cm.user_id AS "userId",
              (cm.notify_level = 'all' OR cm.muted_until <= $5)
                AND NOT EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = cm.user_id AND b.blocked_id = q.sender_id)
                AS pushable
       FROM unnest($1::uuid[], $2::int[], $3::uuid[]) WITH ORDINALITY AS q(chat_id, seq, sender_id, ord)
       JOIN chat_members cm ON cm.chat_id = q.chat_id AND cm.user_id <> q.sender_id
         AND cm.joined_seq <= q.seq AND (cm.left_seq IS NULL OR cm.left_seq > q.seq)
       WHERE NOT EXISTS (SELECT FROM message_hides h
                         WHERE h.user_id = cm.user_id AND h.chat_id = q.chat_id AND h.message_seq = q.seq)
         AND ($4 OR EXISTS (SELECT FROM push_subscriptions s WHERE s.user_id = cm.user_id))`,
      [messages.map((m) => m.chatId), messages.map((m) => m.seq), messages.map((m) => m.senderId), all, now],
    );
  }

  async subscriptionsOf(userIds: string[]): Promise<SubscriptionRow[]> {
    if (userIds.length === 0) return [];
    return this.database.query<SubscriptionRow>(
      `SELECT id, user_id AS "userId", endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
  }

  /** Remembers the newest seq pushed to each member, so that reading past it closes those notifications. */
  async notePushed(pushed: { chatId: string; userId: string; seq: number }[]): Promise<void> {
    if (pushed.length === 0) return;
    await this.database.query(
      `UPDATE chat_members cm SET pushed_seq = GREATEST(cm.pushed_seq, q.seq)
       FROM (SELECT chat_id, user_id, max(seq) AS seq
             FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS u(chat_id, user_id, seq) GROUP BY 1, 2) q
       WHERE cm.chat_id = q.chat_id AND cm.user_id = q.user_id`,
      [pushed.map((p) => p.chatId), pushed.map((p) => p.userId), pushed.map((p) => p.seq)],
    );
  }

  async removeSubscription(id: string): Promise<void> {
    await this.database.query(`DELETE FROM push_subscriptions WHERE id = $1::uuid`, [id]);
  }

  /** Of these chats, those with notifications to `target` still waiting for a retry. */
  async chatsWaiting(channel: Channel, target: string, chatIds: string[]): Promise<Set<string>> {
    if (chatIds.length === 0) return new Set();
    const rows = await this.database.query<{ chatId: string }>(
      `SELECT DISTINCT chat_id AS "chatId" FROM outbox_retries
       WHERE channel = $1 AND target = $2 AND chat_id = ANY($3::uuid[]) AND dead_at IS NULL`,
      [channel, target, chatIds],
    );
    return new Set(rows.map((r) => r.chatId));
  }

  /** Stores notifications for a later attempt; one already stored (a replay after a crash) stays as it is. */
  async addRetries(rows: RetryRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.database.query(
      `INSERT INTO outbox_retries (channel, target, id, chat_id, seq, payload, attempts, next_attempt_at, last_error,
                                   dead_at)
       SELECT channel, target, id, chat_id, seq, payload, attempts, next_attempt_at, last_error,
              CASE WHEN dead THEN next_attempt_at END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::int[], $6::jsonb[], $7::int[],
                   $8::timestamptz[], $9::text[], $10::bool[])
         AS u(channel, target, id, chat_id, seq, payload, attempts, next_attempt_at, last_error, dead)
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.channel),
        rows.map((r) => r.target),
        rows.map((r) => r.id),
        rows.map((r) => r.chatId),
        rows.map((r) => r.seq),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.attempts),
        rows.map((r) => r.nextAttemptAt),
        rows.map((r) => r.lastError),
        rows.map((r) => r.dead ?? false),
      ],
    );
  }

  /**
   * Takes up to `limit` due notifications for `lockMs`, each the oldest waiting of its chat and target
   * (so one chat's notifications go out in seq order); another instance skips them meanwhile.
   */
  async claimDue(now: Date, lockMs: number, limit: number): Promise<ClaimedRetry[]> {
    return this.database.query<ClaimedRetry>(
      `WITH due AS (
         SELECT r.channel, r.target, r.id FROM outbox_retries r
         WHERE r.dead_at IS NULL AND r.next_attempt_at <= $1 AND (r.locked_until IS NULL OR r.locked_until <= $1)
           AND NOT EXISTS (SELECT FROM outbox_retries e
                           WHERE e.channel = r.channel AND e.target = r.target AND e.chat_id = r.chat_id
                             AND e.seq < r.seq AND e.dead_at IS NULL)
         ORDER BY r.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox_retries r SET locked_until = $1::timestamptz + make_interval(secs => $2 / 1000.0)
       FROM due WHERE (r.channel, r.target, r.id) = (due.channel, due.target, due.id)
       RETURNING r.channel, r.target, r.id, r.chat_id AS "chatId", r.seq, r.payload, r.attempts,
                 r.next_attempt_at AS "nextAttemptAt", r.last_error AS "lastError",
                 (SELECT json_build_object('id', s.id, 'userId', s.user_id, 'endpoint', s.endpoint,
                                           'p256dh', s.p256dh, 'auth', s.auth)
                  FROM push_subscriptions s WHERE r.channel = 'push' AND s.id::text = r.target) AS subscription`,
      [now, lockMs, limit],
      // Run on every tick, nearly always to find nothing: planned once, not every time.
      'outbox_claim_due',
    );
  }

  async completeRetry(row: Pick<RetryRow, 'channel' | 'target' | 'id'>): Promise<void> {
    await this.database.query(`DELETE FROM outbox_retries WHERE channel = $1 AND target = $2 AND id = $3`, [
      row.channel,
      row.target,
      row.id,
    ]);
  }

  /** Records a failed attempt: the next one at `nextAttemptAt`, or, when null, a dead letter. */
  async failRetry(
    row: Pick<RetryRow, 'channel' | 'target' | 'id'>,
    attempts: number,
    nextAttemptAt: Date | null,
    error: string,
    now: Date,
  ): Promise<void> {
    await this.database.query(
      `UPDATE outbox_retries SET attempts = $4, next_attempt_at = COALESCE($5, next_attempt_at), locked_until = NULL,
              last_error = $6, dead_at = CASE WHEN $5::timestamptz IS NULL THEN $7::timestamptz END
       WHERE channel = $1 AND target = $2 AND id = $3`,
      [row.channel, row.target, row.id, attempts, nextAttemptAt, error.slice(0, 500), now],
    );
  }

  async stats(now: Date): Promise<ChannelStats[]> {
    return this.database.query<ChannelStats>(
      `SELECT channel, count(*) FILTER (WHERE dead_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE dead_at IS NOT NULL)::int AS dead,
              COALESCE(extract(epoch FROM $1 - min(created_at) FILTER (WHERE dead_at IS NULL)), 0)::float8
                AS "oldestPendingSeconds"
       FROM outbox_retries GROUP BY channel`,
      [now],
    );
  }
}
