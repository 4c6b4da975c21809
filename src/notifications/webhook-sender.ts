import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { WebhookEvent } from '../contract/notifications.js';
import type { SendOutcome } from './send-outcome.js';

/** Success means a 2xx within this time. */
const TIMEOUT_MS = 10_000;
const MAX_SOCKETS = 64;
const IDLE_SOCKET_TIMEOUT_MS = 60_000;

/**
 * Signs and POSTs webhook events (Standard Webhooks): `webhook-id` (the event's stable id),
 * `webhook-timestamp`, and `webhook-signature` with one `v1,…` per configured secret, so a receiver
 * holding either the old or the new secret verifies it during a rotation.
 */
export class WebhookSender {
  private readonly keys: Buffer[];
  private readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    secrets: string[],
  ) {
    this.keys = secrets.map(webhookKey);
    // An agent timeout makes Node honour the receiver's `Keep-Alive: timeout=N` and let an idle connection
    // go before the receiver closes it; a send on one closing under it would fail for nothing.
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_TIMEOUT_MS };
    this.agent = url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options);
  }

  /**
   * Signs with the wall clock, not the service's rule clock: a receiver refuses a timestamp far from its
   * own clock, and a retry is signed anew.
   */
  send(event: WebhookEvent): Promise<SendOutcome> {
    const now = new Date();
    const body = JSON.stringify(event);
    const timestamp = Math.floor(now.getTime() / 1000);
    return post(this.url, this.agent, body, {
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(this.keys, event.id, timestamp, body),
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The key bytes of a Standard Webhooks secret (`whsec_` and base64). */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per key, separated by spaces: the Standard Webhooks
 * signature, made with node:crypto (the reference package's pure-JS hash costs four times as much per
 * event; test/unit/webhook-signature.test.ts checks both agree).
 */
export function signWebhook(keys: Buffer[], id: string, timestamp: number, body: string): string {
  return keys
    .map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
}

function post(
  url: string,
  agent: http.Agent,
  body: string,
  headers: Record<string, string>,
  retried = false,
): Promise<SendOutcome> {
  const request = url.startsWith('https:') ? https.request : http.request;
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('error', () => {});
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the receiver closed as this request went out: once more on a new one.
      if (req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.message === 'socket hang up')) {
        resolve(post(url, agent, body, headers, true));
      } else resolve({ ok: false, error: err.message });
    });
    req.end(body);
  });
}
