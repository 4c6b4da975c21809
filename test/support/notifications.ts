import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { PushSubscriptionView } from '../../src/contract/notifications.js';
import type { TestUser } from './factories.js';
import type { HttpClient } from './http.js';
import { ownDatabaseEnv } from './own-database.js';
import { type PushRequest, type PushService, startPushService, testCertificate } from './push-service.js';
import type { TestAppOptions } from './test-app.js';
import { startWebhookReceiver, type WebhookReceiver, type WebhookRequest } from './webhook-receiver.js';

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export interface NotificationRig {
  /** Pass to useTestApp: it gets WEBHOOK_URL, the secrets and trust of the push service in beforeAll. */
  options: TestAppOptions;
  secrets: string[];
  receiver: WebhookReceiver;
  push: PushService;
  /** What the receiver answers (default 200); a test sets it and puts it back. */
  webhookAnswer: (request: WebhookRequest, attempt: number) => number | 'hang';
  /** What the push service answers (default 201). */
  pushAnswer: (request: PushRequest, n: number) => number | 'hang';
}

/**
 * A webhook receiver and a push service on loopback for one test file, and a database of its own with
 * PostgreSQL, set up before the app (register this before useTestApp, so its beforeAll runs first).
 */
export function useNotificationRig(env: Record<string, string> = {}): NotificationRig {
  // Every instance on a database shares its outbox: apps of other suites (without WEBHOOK_URL) must not
  // take a share of this one's.
  const database = ownDatabaseEnv();
  const secrets = [newWebhookSecret(), newWebhookSecret()];
  const rig = {
    options: { env: { PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true', WEBHOOK_SECRET: secrets.join(' '), ...env } },
    secrets,
    webhookAnswer: () => 200,
    pushAnswer: () => 201,
  } as unknown as NotificationRig;
  beforeAll(async () => {
    rig.receiver = await startWebhookReceiver({ secrets, respond: (r, n) => rig.webhookAnswer(r, n) });
    rig.push = await startPushService({ respond: (r, n) => rig.pushAnswer(r, n) });
    Object.assign(rig.options.env!, database, { WEBHOOK_URL: rig.receiver.url });
    rig.options.pushCa = testCertificate().cert;
  });
  afterAll(async () => {
    await rig.receiver?.close();
    await rig.push?.close();
  });
  return rig;
}

let subscriptions = 0;

/** Subscribes the user's session to a new endpoint of the push service; returns the endpoint's name. */
export async function subscribePush(
  http: HttpClient,
  push: PushService,
  user: TestUser,
  token = user.accessToken,
): Promise<{ name: string; subscription: PushSubscriptionView }> {
  subscriptions += 1;
  const name = `device-${subscriptions}-${randomBytes(3).toString('hex')}`;
  const res = await http.request<PushSubscriptionView>('POST', '/api/push/subscriptions', {
    token,
    body: push.createSubscriptionKeys(name).json(),
  });
  if (res.status !== 201) throw new Error(`subscribing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { name, subscription: res.body };
}

/**
 * Waits until GET /api/health/notifications shows `pending` notifications of the channel waiting for a
 * retry: a receiver's answer reaches the test before the service has recorded what it means.
 */
export async function untilPending(
  http: HttpClient,
  channel: 'webhook' | 'push',
  pending: number,
): Promise<void> {
  for (;;) {
    const health = await http.get('/api/health/notifications');
    if (health.body.channels[channel].pending === pending) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
