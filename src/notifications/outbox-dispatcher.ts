import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import { OneAtATime } from '../common/one-at-a-time.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import type { MessageView } from '../contract/views.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { type PgSnapshot, parsePgSnapshot } from '../messages/pg-snapshot.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ConnectedUsers } from '../realtime/connected-users.js';
import { UserLocator } from '../realtime/user-locator.js';
import { groupBy, inBatches } from './in-batches.js';
import { NotificationChannels } from './notification-channels.js';
import { messagePush, webhookEventOf } from './notification-content.js';
import {
  type HeldPartition,
  type LogRow,
  OutboxRepository,
  PARTITIONS,
  type RetryRow,
} from './outbox.repository.js';
import { nextAttemptAt } from './retry-schedule.js';

/** How often the log is read for new entries: the most a notification waits in a healthy service. */
export const POLL_MS = 100;
/** A partition's owner must renew within this, or another instance takes the partition over. */
export const LEASE_SECONDS = 10;
const RENEW_MS = 2000;
const IDLE_ADVANCE_MS = 1000;
const SEND_CONCURRENCY = 32;
// A slice is worked through in chunks of this many rows, so that no step of it holds the event loop long.
const CHUNK_ROWS = 256;
const WEBHOOK_TARGET = 'webhook';

interface Prepared {
  events: WebhookEvent[];
  pushes: Push[];
}

interface Push {
  row: LogRow;
  userId: string;
  subscription: { id: string; endpoint: string; p256dh: string; auth: string };
  payload: PushPayload;
}

/**
 * Reaches people and integrations from the chats' log, at least once: each tick reads what committed
 * after the partitions' snapshot, sends the webhook events and the pushes of that slice, stores each one
 * whose first attempt failed for OutboxRetries, and only then moves the snapshot on. A crash anywhere
 * before that replays the slice: every notification has a stable id, so receivers drop the repeats.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private held: HeldPartition[] = [];
  private readonly renewal = new OneAtATime(
    () => this.renewShare(),
    (err) => this.logger.warn({ err }, 'renewing the notification outbox leases failed'),
  );
  private readonly ticks = new OneAtATime(
    () => this.tick(),
    (err) => this.logger.warn({ err }, 'notification outbox tick failed; it will be read again'),
  );
  private advancedAt = 0;
  private renewedOnce = false;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  /** When this instance last read its partitions to the end (the outbox's lag metric). */
  caughtUpAt = Date.now();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly messages: MessagesRepository,
    private readonly channels: NotificationChannels,
    private readonly connected: ConnectedUsers,
    private readonly locator: UserLocator,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timers = [
      setInterval(() => void this.kick(), POLL_MS).unref(),
      // Apart from the ticks: a tick waiting on a slow endpoint must not let the leases run out.
      setInterval(() => void this.renew(), RENEW_MS).unref(),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.ticks.settled();
    await this.renewal.settled();
    // Let go at once, so another instance carries on without waiting for the lease to run out.
    await this.outbox.releasePartitions(this.config.instanceId).catch(() => {});
  }

  /** Runs a tick unless one is running. */
  kick(): Promise<void> {
    return this.stopping ? this.ticks.settled() : this.ticks.run();
  }

  private async tick(): Promise<void> {
    if (!this.renewedOnce) {
      this.renewedOnce = true;
      await this.renew();
    }
    const partitions = this.held;
    if (partitions.length === 0) return;
    const seen = new Map(partitions.map((p) => [p.part, parsePgSnapshot(p.seen)]));
    const snapshots = [...seen.values()].filter((s): s is PgSnapshot => s !== null);
    const fromXmax = snapshots.reduce((min, s) => (s.xmax < min ? s.xmax : min), snapshots[0]?.xmax ?? 1n);
    const inProgress = [...new Set(snapshots.flatMap((s) => s.xip))];
    const { snapshot, rows } = await this.outbox.readLog(
      partitions.map((p) => p.part.toString(16)),
      fromXmax.toString(),
      inProgress.map(String),
      // Without webhooks only new messages can notify anyone, and only someone with a push subscription.
      this.channels.hasWebhook,
    );
    const fresh = rows.filter((row) => isNewTo(seen.get(partOf(row.chatId)) ?? null, BigInt(row.txid)));
    if (fresh.length > 0) await this.notify(fresh);
    // With nothing new, the snapshot still moves on now and then, so the next read starts from a recent one.
    const idleMove = snapshot !== partitions[0]!.seen && Date.now() - this.advancedAt >= IDLE_ADVANCE_MS;
    if (fresh.length > 0 || idleMove || this.advancedAt === 0) {
      this.advancedAt = Date.now();
      await this.outbox.advance(
        this.config.instanceId,
        partitions.map((p) => p.part),
        snapshot,
        LEASE_SECONDS,
      );
      for (const partition of partitions) partition.seen = snapshot;
    }
    this.caughtUpAt = Date.now();
  }

  /**
   * Sends a slice's notifications, chunk by chunk, and stores for a retry each one whose first attempt
   * failed.
   */
  private async notify(fresh: LogRow[]): Promise<void> {
    // Chats whose webhook events wait for retries from here on, from one chunk to the next.
    const held = new Set<string>();
    const retries: RetryRow[] = [];
    const chunks: LogRow[][] = [];
    for (let i = 0; i < fresh.length; i += CHUNK_ROWS) chunks.push(fresh.slice(i, i + CHUNK_ROWS));
    // The next chunk is read and built while this one is sent; chunks are sent one after another, so
    // each chat's events still go in seq order.
    let next = this.prepare(chunks[0]!);
    for (let i = 0; i < chunks.length; i++) {
      const prepared = await next;
      if (i + 1 < chunks.length) {
        next = this.prepare(chunks[i + 1]!);
        // Awaited on the next round; until then a failure must not count as unhandled.
        next.catch(() => {});
      }
      await this.deliver(prepared, held, retries);
    }
    await this.outbox.addRetries(retries);
  }

  /**
   * Renews this instance's share of the partitions (taking or letting go of some as instances come and
   * go). A partition it kept keeps the snapshot the ticks moved on, which may be newer than the stored one.
   */
  renew(): Promise<void> {
    return this.renewal.run();
  }

  private async renewShare(): Promise<void> {
    const instances = await this.outbox.liveInstances(LEASE_SECONDS);
    const held = await this.outbox.holdPartitions(
      this.config.instanceId,
      Math.ceil(PARTITIONS / instances),
      LEASE_SECONDS,
    );
    const known = new Map(this.held.map((p) => [p.part, p]));
    this.held = held.map((p) => (p.renewed ? (known.get(p.part) ?? p) : p));
  }

  /** A chunk's webhook events and pushes, with whom to push to decided now. */
  private async prepare(rows: LogRow[]): Promise<Prepared> {
    const newMessages = rows.filter((r) => r.source === 'message' && r.kind === 'user');
    const webhooks = this.channels.hasWebhook;
    const recipients = await this.outbox.recipients(
      newMessages.map((r) => ({ chatId: r.chatId, seq: r.seq, senderId: r.actorId })),
      webhooks,
      new Date(this.clock.now()),
    );
    // Online now means the message went out live; nobody is pushed a message they already have.
    const toNotify = newMessages.map((): string[] => []);
    for (const recipient of recipients) {
      // A message deleted for everyone before its notification went out is nobody's to be told of.
      const deleted = newMessages[recipient.ord - 1]!.deleted;
      if (recipient.pushable && !deleted && !this.isOnline(recipient.userId)) {
        toNotify[recipient.ord - 1]!.push(recipient.userId);
      }
    }
    const pushes = await this.pushesOf(newMessages, toNotify);
    const views = webhooks ? await this.views(newMessages) : new Map<string, MessageView>();
    const notifyOf = new Map(newMessages.map((row, i) => [row.messageId, toNotify[i]!]));
    const events = webhooks
      ? rows
          .map((row) => webhookEventOf(row, views.get(row.messageId), notifyOf.get(row.messageId) ?? []))
          .filter((e): e is WebhookEvent => e !== null)
      : [];
    return { events, pushes };
  }

  private async deliver({ events, pushes }: Prepared, held: Set<string>, retries: RetryRow[]): Promise<void> {
    // Before the pushes go: a read that follows one at once must find it noted (see ChatsService.markRead).
    await this.outbox.notePushed(
      pushes.map((p) => ({ chatId: p.row.chatId, userId: p.userId, seq: p.row.seq })),
    );
    await Promise.all([this.sendWebhooks(events, held, retries), this.sendPushes(pushes, retries)]);
  }

  private async pushesOf(messages: LogRow[], toNotify: string[][]): Promise<Push[]> {
    const subscriptions = await this.outbox.subscriptionsOf([...new Set(toNotify.flat())]);
    const byUser = groupBy(subscriptions, (s) => s.userId);
    return messages.flatMap((row, i) => {
      const payload = messagePush(row, this.config.notifications.push.preview);
      return toNotify[i]!.flatMap((userId) =>
        (byUser.get(userId) ?? []).map((subscription) => ({ row, userId, subscription, payload })),
      );
    });
  }

  private async views(messages: LogRow[]): Promise<Map<string, MessageView>> {
    const views = await this.messages.views(
      messages.map((r) => ({ chatId: r.chatId, messageId: r.messageId, viewerId: r.actorId })),
    );
    return new Map(views.filter((v): v is MessageView => v !== undefined).map((v) => [v.id, v]));
  }

  /**
   * Per chat in seq order: a chat with an earlier event still waiting for a retry, or whose event fails
   * now, hands the rest of its events to the retries behind it, so the endpoint sees every chat in order.
   */
  private async sendWebhooks(events: WebhookEvent[], held: Set<string>, retries: RetryRow[]): Promise<void> {
    if (events.length === 0) return;
    const byChat = groupBy(events, (e) => e.data.chatId);
    const waiting = await this.outbox.chatsWaiting('webhook', WEBHOOK_TARGET, [...byChat.keys()]);
    const schedule = this.config.notifications.retryScheduleMs;
    await inBatches([...byChat.entries()], SEND_CONCURRENCY, async ([chatId, chatEvents]) => {
      let blocked = held.has(chatId) || waiting.has(chatId) || schedule[0]! > 0;
      for (const event of chatEvents) {
        const now = this.clock.now();
        if (blocked) {
          retries.push(
            this.retryOf('webhook', WEBHOOK_TARGET, event.data, event, 0, now + schedule[0]!, null),
          );
          continue;
        }
        const outcome = await this.channels.sendWebhook(event);
        if (outcome.ok) continue;
        blocked = true;
        held.add(chatId);
        retries.push(this.failedOnce('webhook', WEBHOOK_TARGET, event.data, event, outcome.error, now));
      }
    });
  }

  private async sendPushes(pushes: Push[], retries: RetryRow[]): Promise<void> {
    const schedule = this.config.notifications.retryScheduleMs;
    await inBatches(pushes, SEND_CONCURRENCY, async (push) => {
      const place = { chatId: push.row.chatId, seq: push.row.seq };
      const now = this.clock.now();
      if (schedule[0]! > 0) {
        retries.push(
          this.retryOf('push', push.subscription.id, place, push.payload, 0, now + schedule[0]!, null),
        );
        return;
      }
      const outcome = await this.channels.sendPush(push.subscription, push.payload);
      if (outcome.ok) return;
      if (outcome.gone) await this.outbox.removeSubscription(push.subscription.id);
      else
        retries.push(this.failedOnce('push', push.subscription.id, place, push.payload, outcome.error, now));
    });
  }

  private failedOnce(
    channel: RetryRow['channel'],
    target: string,
    place: { chatId: string; seq: number },
    payload: WebhookEvent | PushPayload,
    error: string,
    now: number,
  ): RetryRow {
    const next = nextAttemptAt(this.config.notifications.retryScheduleMs, 1, now);
    if (next === null) this.metrics.notificationsDead.inc({ channel });
    return { ...this.retryOf(channel, target, place, payload, 1, next ?? now, error), dead: next === null };
  }

  private retryOf(
    channel: RetryRow['channel'],
    target: string,
    place: { chatId: string; seq: number },
    payload: WebhookEvent | PushPayload,
    attempts: number,
    at: number,
    error: string | null,
  ): RetryRow {
    return {
      channel,
      target,
      id: payload.id,
      chatId: place.chatId,
      seq: place.seq,
      payload,
      attempts,
      nextAttemptAt: new Date(at),
      lastError: error,
    };
  }

  private isOnline(userId: string): boolean {
    return this.connected.socketCount(userId) > 0 || this.locator.remoteInstances([userId]).size > 0;
  }
}

/** The partition of a chat: the last hex digit of its id. */
function partOf(chatId: string): number {
  return Number.parseInt(chatId.at(-1)!, 16);
}

function isNewTo(seen: PgSnapshot | null, txid: bigint): boolean {
  return seen === null || txid >= seen.xmax || seen.xip.includes(txid);
}
