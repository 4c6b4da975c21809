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
import { Metrics } from '../metrics/metrics.service.js';
import { inBatches } from './in-batches.js';
import { NotificationChannels } from './notification-channels.js';
import { type ClaimedRetry, OutboxRepository } from './outbox.repository.js';
import { POLL_MS } from './outbox-dispatcher.js';
import { nextAttemptAt } from './retry-schedule.js';
import type { SendOutcome } from './send-outcome.js';

const CLAIM_LIMIT = 100;
// Longer than an attempt can take (its timeout), so no other instance takes it meanwhile.
const LOCK_MS = 60_000;
const CONCURRENCY = 32;

/**
 * Sends again the notifications whose earlier attempts failed, when WEBHOOK_RETRY_SCHEDULE says, each
 * chat's in seq order; after the last attempt a notification stays as a dead letter. Any instance may
 * take any due row: a claim locks it for the others.
 */
@Injectable()
export class OutboxRetries implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly runs = new OneAtATime(
    () => this.runDue(),
    (err) => this.logger.warn({ err }, 'notification retries failed; they stay due'),
  );

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly channels: NotificationChannels,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.kick(), POLL_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.runs.settled();
  }

  kick(): Promise<void> {
    return this.runs.run();
  }

  private async runDue(): Promise<void> {
    for (;;) {
      const due = await this.outbox.claimDue(new Date(this.clock.now()), LOCK_MS, CLAIM_LIMIT);
      if (due.length === 0) return;
      await inBatches(due, CONCURRENCY, (row) => this.attempt(row));
      if (due.length < CLAIM_LIMIT) return;
    }
  }

  private async attempt(row: ClaimedRetry): Promise<void> {
    const outcome = await this.send(row);
    if (outcome.ok) return this.outbox.completeRetry(row);
    if (outcome.gone) {
      if (row.subscription) await this.outbox.removeSubscription(row.subscription.id);
      return this.outbox.completeRetry(row);
    }
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    const next = nextAttemptAt(this.config.notifications.retryScheduleMs, attempts, now);
    if (next === null) {
      this.metrics.notificationsDead.inc({ channel: row.channel });
      this.logger.warn(
        { channel: row.channel, id: row.id, attempts, error: outcome.error },
        'notification given up after its last attempt (dead letter)',
      );
    }
    await this.outbox.failRetry(
      row,
      attempts,
      next === null ? null : new Date(next),
      outcome.error,
      new Date(now),
    );
  }

  private send(row: ClaimedRetry): Promise<SendOutcome> {
    if (row.channel === 'webhook') {
      // WEBHOOK_URL was unset since: the event stays until it is set again.
      if (!this.channels.hasWebhook) return Promise.resolve({ ok: false, error: 'WEBHOOK_URL is not set' });
      return this.channels.sendWebhook(row.payload as WebhookEvent);
    }
    // The subscription was removed since (unsubscribed, logged out): nobody to push to.
    if (!row.subscription) return Promise.resolve({ ok: false, error: 'subscription removed', gone: true });
    return this.channels.sendPush(row.subscription, row.payload as PushPayload);
  }
}
