import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import webpush, { WebPushError } from 'web-push';
import type { PushPayload, WebhookEvent } from '../../src/contract/notifications.js';
import { startPushService, testCertificate, testCertificateAgent } from '../support/push-service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const secret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const eventFor = (id: string, seq = 1): WebhookEvent<'message.deleted'> => ({
  id,
  type: 'message.deleted',
  timestamp: new Date().toISOString(),
  data: { chatId: 'chat-1', seq, messageId: 'm-1', deletedAt: new Date().toISOString() },
});

/** POSTs `body` signed as the service signs: one `v1,…` per secret, space-separated. */
async function post(
  receiver: WebhookReceiver,
  id: string,
  body: string,
  options: { secrets: string[]; at?: Date; sentBody?: string },
): Promise<number> {
  const at = options.at ?? new Date();
  const signature = options.secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  const response = await fetch(receiver.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body: options.sentBody ?? body,
  });
  await response.arrayBuffer();
  return response.status;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  closers.push(() => started.close());
  return started;
}

describe('webhook receiver', () => {
  it('accepts a body signed with every configured secret, and records it under its id', async () => {
    const secrets = [secret(), secret()];
    const hook = await receiver({ secrets });
    const event = eventFor('evt-1');
    expect(await post(hook, 'evt-1', JSON.stringify(event), { secrets })).toBe(200);
    expect(hook.events).toEqual([event]);
    expect(hook.accepted).toEqual([event]);
    expect(hook.requests).toEqual([{ id: 'evt-1', status: 200, verified: true }]);
    expect(hook.byId.get('evt-1')).toBe(1);
    expect(hook.idsByEvent.get('chat-1:1:message.deleted')).toEqual(new Set(['evt-1']));
    expect(hook.rejected).toBe(0);
  });

  it('rejects a signature made without one of its secrets, a tampered body, an old timestamp, a wrong id', async () => {
    const [a, b] = [secret(), secret()];
    const hook = await receiver({ secrets: [a, b] });
    const body = JSON.stringify(eventFor('evt-2'));
    expect(await post(hook, 'evt-2', body, { secrets: [a] })).toBe(400);
    expect(await post(hook, 'evt-2', body, { secrets: [a, b], sentBody: body.replace('m-1', 'm-2') })).toBe(
      400,
    );
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    expect(await post(hook, 'evt-2', body, { secrets: [a, b], at: tenMinutesAgo })).toBe(400);
    expect(await post(hook, 'evt-other', body, { secrets: [a, b] })).toBe(400);
    expect(hook.rejected).toBe(4);
    expect(hook.events).toEqual([]);
    expect(hook.requests.map((r) => r.verified)).toEqual([false, false, false, false]);
    expect(hook.requests[0]!.error).toMatch(/secret #1/);
    expect(hook.requests[2]!.error).toMatch(/too old/);
    expect(hook.requests[3]!.error).toMatch(/not the webhook-id header/);
    expect(hook.byId.get('evt-2')).toBe(3);
  });

  it('answers as respond says, counting attempts per id, and holds a request until released', async () => {
    const secrets = [secret()];
    const hook = await receiver({
      secrets,
      respond: (request, attempt) => (request.event.data.seq === 2 ? 'hang' : attempt === 1 ? 500 : 204),
    });
    const first = JSON.stringify(eventFor('evt-3', 1));
    expect(await post(hook, 'evt-3', first, { secrets })).toBe(500);
    expect(hook.accepted).toEqual([]);
    expect(await post(hook, 'evt-3', first, { secrets })).toBe(204);
    expect(hook.byId.get('evt-3')).toBe(2);
    expect(hook.events).toHaveLength(2);
    expect(hook.accepted.map((e) => e.id)).toEqual(['evt-3']);

    const held = post(hook, 'evt-4', JSON.stringify(eventFor('evt-4', 2)), { secrets });
    await hook.hung();
    expect(hook.requests.at(-1)).toEqual({ id: 'evt-4', status: 0, verified: true });
    hook.releaseHung(200);
    expect(await held).toBe(200);
    await hook.waitFor((events) => events.length === 3, 'the held event');
    expect(hook.accepted.map((e) => e.id)).toEqual(['evt-3', 'evt-4']);
    expect([...hook.idsByEvent.values()].every((ids) => ids.size === 1)).toBe(true);
  });

  it('waitFor resolves on the request that makes it true', async () => {
    const secrets = [secret()];
    const hook = await receiver({ secrets });
    const arrived = hook.waitFor((events) => events.some((e) => e.id === 'evt-5'), 'evt-5');
    await post(hook, 'evt-5', JSON.stringify(eventFor('evt-5')), { secrets });
    await arrived;
  });
});

const vapidDetails = () => ({ subject: 'mailto:t@example.com', ...webpush.generateVAPIDKeys() });

const message: PushPayload = {
  type: 'message',
  id: 'push-1',
  chatId: 'chat-1',
  messageId: 'm-1',
  seq: 1,
  title: 'Ann',
  body: 'hello',
};

describe('push service', () => {
  async function service(options?: Parameters<typeof startPushService>[0]) {
    const started = await startPushService(options);
    closers.push(() => started.close());
    return started;
  }

  it('checks VAPID and decrypts a push sent by web-push', async () => {
    const push = await service();
    const subscription = push.createSubscriptionKeys('alice');
    expect(subscription.endpoint).toBe(`${push.origin}/push/alice`);
    expect(Buffer.from(subscription.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(subscription.keys.auth, 'base64url')).toHaveLength(16);
    const vapid = vapidDetails();
    const result = await webpush.sendNotification(subscription.json(), JSON.stringify(message), {
      vapidDetails: vapid,
      TTL: 60,
      urgency: 'high',
      agent: testCertificateAgent(),
    });
    expect(result.statusCode).toBe(201);
    expect(push.received).toHaveLength(1);
    const [received] = push.received;
    expect(received).toMatchObject({ name: 'alice', ok: true, payload: message, vapidKey: vapid.publicKey });
    expect(received!.headers.ttl).toBe('60');
  });

  it('refuses a push encrypted for another subscription, and a VAPID token for another origin', async () => {
    const push = await service();
    const alice = push.createSubscriptionKeys('alice');
    const bob = push.createSubscriptionKeys('bob');
    const forAliceKeysAtBob = { ...alice.json(), endpoint: bob.endpoint };
    const sent = webpush.sendNotification(forAliceKeysAtBob, JSON.stringify(message), {
      vapidDetails: vapidDetails(),
      agent: testCertificateAgent(),
    });
    await expect(sent).rejects.toBeInstanceOf(WebPushError);
    await expect(sent).rejects.toMatchObject({ statusCode: 400 });
    expect(push.received[0]).toMatchObject({ name: 'bob', ok: false, status: 400 });
    expect(push.received[0]!.error).toMatch(/cannot decrypt/);

    // A token minted for another push service's origin.
    const details = webpush.generateRequestDetails(alice.json(), JSON.stringify(message), {
      vapidDetails: vapidDetails(),
    });
    const vapid = vapidDetails();
    const wrong = webpush.getVapidHeaders(
      'https://push.example.com',
      vapid.subject,
      vapid.publicKey,
      vapid.privateKey,
      'aes128gcm',
    );
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        details.endpoint,
        {
          method: 'POST',
          headers: { ...details.headers, Authorization: wrong.Authorization },
          ca: testCertificate().cert,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(details.body);
    });
    expect(status).toBe(400);
    expect(push.received[1]).toMatchObject({ name: 'alice', ok: false });
    expect(push.received[1]!.error).toMatch(/aud/);
  });

  it('answers as respond says, and holds a push until released', async () => {
    const push = await service({
      respond: (request, n) => (request.name === 'gone' ? 410 : n === 1 ? 'hang' : 201),
    });
    const gone = push.createSubscriptionKeys('gone');
    const held = push.createSubscriptionKeys('held');
    const options = { vapidDetails: vapidDetails(), agent: testCertificateAgent() };
    await expect(
      webpush.sendNotification(gone.json(), JSON.stringify(message), options),
    ).rejects.toMatchObject({
      statusCode: 410,
    });
    const pending = webpush.sendNotification(held.json(), JSON.stringify(message), options);
    await push.hung();
    expect(push.received.at(-1)).toMatchObject({ name: 'held', ok: true, status: 0 });
    push.releaseHung(201);
    expect((await pending).statusCode).toBe(201);
    const read: PushPayload = { type: 'read', id: 'read-1', chatId: 'chat-1', seq: 1 };
    const arrived = push.waitFor((all) => all.some((p) => p.payload?.type === 'read'), 'the read push');
    await webpush.sendNotification(held.json(), JSON.stringify(read), options);
    await arrived;
    expect(push.received.map((p) => p.status)).toEqual([410, 201, 201]);
  });
});
