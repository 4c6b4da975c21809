import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { Channel } from './outbox.repository.js';
import type { PushTarget } from './push-sender.js';
import type { SendOutcome } from './send-outcome.js';
import { LocalSenders, type Senders, type SendersSettings } from './senders.js';
import { channelThreadAvailable, ThreadSenders } from './thread-senders.js';

export const PUSH_CA = Symbol('PUSH_CA');

/**
 * The two ways out, configured once: the webhook endpoint (when WEBHOOK_URL is set) and Web Push. The
 * sending itself runs on the channel thread (see ThreadSenders) when the service runs compiled.
 */
@Injectable()
export class NotificationChannels implements OnApplicationShutdown {
  readonly hasWebhook: boolean;
  private readonly senders: Senders;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(PUSH_CA) pushCa?: string,
  ) {
    const { webhook, push } = config.notifications;
    this.hasWebhook = webhook !== undefined;
    const settings: SendersSettings = {
      webhook: webhook ? { url: webhook.url, secrets: webhook.secrets } : null,
      push: {
        vapid: {
          publicKey: config.vapid.publicKey,
          privateKey: config.vapid.privateKey,
          subject: push.subject,
        },
        allowPrivateEndpoints: push.allowPrivateEndpoints,
        extraCa: pushCa,
      },
    };
    this.senders = channelThreadAvailable()
      ? new ThreadSenders(settings, logger)
      : new LocalSenders(settings);
  }

  async sendWebhook(event: WebhookEvent): Promise<SendOutcome> {
    return this.count('webhook', await this.senders.sendWebhook(event));
  }

  async sendPush(target: PushTarget, payload: PushPayload): Promise<SendOutcome> {
    return this.count('push', await this.senders.sendPush(target, payload));
  }

  /**
   * Only after every beforeApplicationShutdown: the outbox finishes the sends it has in flight then, and a
   * send cut off by closing early would be stored for a retry although the receiver may have it already.
   */
  onApplicationShutdown(): Promise<void> {
    return this.senders.close();
  }

  private count(channel: Channel, outcome: SendOutcome): SendOutcome {
    (outcome.ok ? this.metrics.notificationsSent : this.metrics.notificationsFailed).inc({ channel });
    return outcome;
  }
}
