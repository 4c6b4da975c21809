import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import type { PushPayload, WebhookEvent } from '../../src/contract/notifications.js';
import type { Senders, SendersSettings } from '../../src/notifications/senders.js';
import type * as ThreadSendersModule from '../../src/notifications/thread-senders.js';
import { newWebhookSecret } from '../support/notifications.js';
import { buildOnce } from '../support/process-app.js';
import { type PushService, startPushService, testCertificate } from '../support/push-service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The service run compiled (`npm start`) sends notifications from a thread of its own, at the lowest
 * priority: the thread's entry is the compiled dist/ file, so this suite loads the compiled module.
 */

const secret = newWebhookSecret();
let receiver: WebhookReceiver;
let pushService: PushService;
let answer: () => number | 'hang' = () => 200;
let threads: typeof ThreadSendersModule;
const opened: Senders[] = [];

beforeAll(async () => {
  buildOnce();
  threads = (await import(
    pathToFileURL(resolve('dist/notifications/thread-senders.js')).href
  )) as typeof ThreadSendersModule;
  receiver = await startWebhookReceiver({ secrets: [secret], respond: () => answer() });
  pushService = await startPushService();
}, 120_000);

afterAll(async () => {
  for (const senders of opened) await senders.close();
  await receiver?.close();
  await pushService?.close();
});

function settings(): SendersSettings {
  const vapid = webpush.generateVAPIDKeys();
  return {
    webhook: { url: receiver.url, secrets: [secret] },
    push: {
      vapid: { ...vapid, subject: 'mailto:ops@example.com' },
      allowPrivateEndpoints: true,
      extraCa: testCertificate().cert,
    },
  };
}

function newSenders(): Senders {
  const senders = new threads.ThreadSenders(settings(), pino({ level: 'silent' }));
  opened.push(senders);
  return senders;
}

function event(): WebhookEvent<'message.deleted'> {
  const chatId = randomUUID();
  return {
    id: `evt_${chatId}_7`,
    type: 'message.deleted',
    timestamp: new Date().toISOString(),
    data: { chatId, seq: 7, messageId: randomUUID(), deletedAt: new Date().toISOString() },
  };
}

/** The nice value of every thread of this process but the main one (`/proc/self/task/<tid>/stat`). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task')
    .filter((tid) => Number(tid) !== process.pid)
    .map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (in parentheses, which may hold spaces): nice is the 19th field.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
}

describe('the notification channel thread', () => {
  it('is there in the compiled service', () => {
    expect(threads.channelThreadAvailable()).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')(
    'signs and posts webhooks and encrypts pushes on a thread of its own, at the lowest priority',
    async () => {
      const before = threadNiceValues().filter((nice) => nice === 19).length;
      const senders = newSenders();
      const sent = event();
      expect(await senders.sendWebhook(sent)).toEqual({ ok: true });
      await receiver.waitFor((events) => events.some((e) => e.id === sent.id), 'the webhook');
      expect(receiver.requests.find((r) => r.id === sent.id)?.verified).toBe(true);

      const keys = pushService.createSubscriptionKeys(`thread-${randomUUID()}`);
      const payload: PushPayload = { type: 'read', id: `read_${randomUUID()}`, chatId: randomUUID(), seq: 3 };
      expect(await senders.sendPush({ endpoint: keys.endpoint, ...keys.keys }, payload)).toEqual({
        ok: true,
      });
      const got = pushService.received.find((p) => p.payload?.id === payload.id);
      expect(got).toMatchObject({ ok: true, payload });

      expect(threadNiceValues().filter((nice) => nice === 19).length).toBe(before + 1);
    },
  );

  it('fails what it held when it stops (so those are retried), and starts again for the next send', async () => {
    const senders = newSenders();
    answer = () => 'hang';
    const held = event();
    const outcome = senders.sendWebhook(held);
    await receiver.hung();
    await senders.close();
    expect(await outcome).toEqual({ ok: false, error: 'the notification channel thread stopped' });

    answer = () => 200;
    receiver.releaseHung(200);
    const next = event();
    expect(await senders.sendWebhook(next)).toEqual({ ok: true });
    await receiver.waitFor((events) => events.some((e) => e.id === next.id), 'the webhook after a restart');
  });
});
