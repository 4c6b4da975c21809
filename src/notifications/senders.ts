import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import { PushSender, type PushSenderOptions, type PushTarget } from './push-sender.js';
import type { SendOutcome } from './send-outcome.js';
import { WebhookSender } from './webhook-sender.js';

/** What the senders are built from: plain data, so it can be handed to the channel thread. */
export interface SendersSettings {
  webhook: { url: string; secrets: string[] } | null;
  push: PushSenderOptions;
}

/** The way out for one notification, whichever thread does the work. */
export interface Senders {
  sendWebhook(event: WebhookEvent): Promise<SendOutcome>;
  sendPush(target: PushTarget, payload: PushPayload): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** Signs, encrypts and posts on the calling thread. */
export class LocalSenders implements Senders {
  private readonly webhook: WebhookSender | null;
  private readonly push: PushSender;

  constructor(settings: SendersSettings) {
    this.webhook = settings.webhook
      ? new WebhookSender(settings.webhook.url, settings.webhook.secrets)
      : null;
    this.push = new PushSender(settings.push);
  }

  sendWebhook(event: WebhookEvent): Promise<SendOutcome> {
    if (!this.webhook) return Promise.resolve({ ok: false, error: 'WEBHOOK_URL is not set' });
    return this.webhook.send(event);
  }

  sendPush(target: PushTarget, payload: PushPayload): Promise<SendOutcome> {
    return this.push.send(target, payload);
  }

  async close(): Promise<void> {
    this.webhook?.close();
    this.push.close();
  }
}
