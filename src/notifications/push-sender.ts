import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import webpush from 'web-push';
import type { PushPayload } from '../contract/notifications.js';
import { hostOf, isPublicAddress, publicOnlyLookup } from './endpoint-guard.js';
import type { SendOutcome } from './send-outcome.js';

const TIMEOUT_MS = 10_000;
// How long a push service keeps a push for a device that is offline.
const TTL_SECONDS = 24 * 3600;

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushSenderOptions {
  vapid: { publicKey: string; privateKey: string; subject: string };
  allowPrivateEndpoints: boolean;
  /** Certificates to trust besides the system's. */
  extraCa?: string;
}

/** Encrypts (RFC 8291) and sends (RFC 8030) one push, signed with the VAPID key (RFC 8292). */
export class PushSender {
  private readonly agent: https.Agent;

  constructor(private readonly options: PushSenderOptions) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      // Makes Node honour the push service's `Keep-Alive: timeout=N` (see WebhookSender).
      timeout: 60_000,
      lookup: options.allowPrivateEndpoints ? undefined : publicOnlyLookup,
      ca: options.extraCa ? [...rootCertificates, options.extraCa] : undefined,
    });
  }

  async send(target: PushTarget, payload: PushPayload): Promise<SendOutcome> {
    const host = hostOf(target.endpoint);
    // A name is checked as it resolves (the agent's lookup); an address literal never resolves.
    if (!this.options.allowPrivateEndpoints && isIP(host) && !isPublicAddress(host)) {
      return { ok: false, error: 'endpoint on a non-public address', gone: true };
    }
    try {
      await webpush.sendNotification(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(payload),
        {
          vapidDetails: this.options.vapid,
          TTL: TTL_SECONDS,
          urgency: payload.type === 'message' ? 'high' : 'normal',
          contentEncoding: 'aes128gcm',
          agent: this.agent,
          timeout: TIMEOUT_MS,
        },
      );
      return { ok: true };
    } catch (err) {
      if (err instanceof webpush.WebPushError) {
        // The subscription expired or was withdrawn: it will never work again.
        const gone = err.statusCode === 404 || err.statusCode === 410;
        return { ok: false, error: `HTTP ${err.statusCode}`, gone };
      }
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
