import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, webhookKey } from '../../src/notifications/webhook-sender.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('the webhook signature', () => {
  it('is what the Standard Webhooks reference package makes and verifies, one entry per secret', () => {
    const [first, second] = [secret(), secret()];
    const body = JSON.stringify({ id: 'evt_1', type: 'message.created', data: { text: 'héllo ✓' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const header = signWebhook([webhookKey(first), webhookKey(second)], 'evt_1', timestamp, body);
    const entries = header.split(' ');
    expect(entries).toEqual([
      new Webhook(first).sign('evt_1', new Date(timestamp * 1000), body),
      new Webhook(second).sign('evt_1', new Date(timestamp * 1000), body),
    ]);
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': header,
    };
    for (const s of [first, second])
      expect(new Webhook(s).verify(body, headers)).toMatchObject({ id: 'evt_1' });
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow();
  });
});
