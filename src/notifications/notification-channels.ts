import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { Channel } from './outbox.repository.js';
import { PushSender, type PushTarget } from './push-sender.js';
import type { SendOutcome } from './send-outcome.js';
import { WebhookSender } from './webhook-sender.js';

export const PUSH_CA = Symbol('PUSH_CA');

/** The two ways out, configured once: the webhook endpoint (when WEBHOOK_URL is set) and Web Push. */
@Injectable()
export class NotificationChannels implements OnModuleDestroy {
  readonly webhook: WebhookSender | null;
  private readonly push: PushSender;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
    @Optional() @Inject(PUSH_CA) pushCa?: string,
  ) {
    const { webhook, push } = config.notifications;
    this.webhook = webhook ? new WebhookSender(webhook.url, webhook.secrets) : null;
    this.push = new PushSender({
      vapid: {
        publicKey: config.vapid.publicKey,
        privateKey: config.vapid.privateKey,
        subject: push.subject,
      },
      allowPrivateEndpoints: push.allowPrivateEndpoints,
      extraCa: pushCa,
    });
  }

  async sendWebhook(event: WebhookEvent): Promise<SendOutcome> {
    return this.count('webhook', await this.webhook!.send(event));
  }

  async sendPush(target: PushTarget, payload: PushPayload): Promise<SendOutcome> {
    return this.count('push', await this.push.send(target, payload));
  }

  onModuleDestroy(): void {
    this.webhook?.close();
    this.push.close();
  }

  private count(channel: Channel, outcome: SendOutcome): SendOutcome {
    (outcome.ok ? this.metrics.notificationsSent : this.metrics.notificationsFailed).inc({ channel });
    return outcome;
  }
}
