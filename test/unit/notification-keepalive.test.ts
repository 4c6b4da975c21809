import { createECDH, randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import type { PushPayload, WebhookEvent } from '../../src/contract/notifications.js';
import { PushSender } from '../../src/notifications/push-sender.js';
import type { SendOutcome } from '../../src/notifications/send-outcome.js';
import { WebhookSender } from '../../src/notifications/webhook-sender.js';
import { testCertificate } from '../support/push-service.js';

/**
 * A receiver's idle keep-alive connection, closed by the receiver when its keep-alive timeout runs out (it
 * announces it: `Keep-Alive: timeout=N`). A notification sent at that moment must still be delivered: the
 * sender must have let go of the connection first, or send on a new one. The senders' agents have no idle
 * timeout of their own, and Node then ignores the announced one: they keep the connection until the
 * receiver closes it, and a send on it as it closes fails ("socket hang up", ECONNRESET).
 */

// Node's default keep-alive timeout is 5 s; 2 s (announced as `timeout=2`) keeps the tests short.
const KEEP_ALIVE_MS = 2000;

interface Endpoint {
  url: string;
  /** How many connections the server accepted. */
  connections: number;
  /**
   * Runs `action` when the first idle connection ends: within the server's keep-alive timeout, just as it
   * closes the connection, or when the client closed it first.
   */
  whenIdleConnectionEnds(action: () => void): void;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function endpoint(kind: 'http' | 'https', status: number): Promise<Endpoint> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  };
  const { cert, key } = testCertificate();
  const server = kind === 'http' ? createHttpServer(handler) : createHttpsServer({ cert, key }, handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  servers.push(server);
  let pending: (() => void) | undefined;
  const run = () => {
    const action = pending;
    pending = undefined;
    action?.();
  };
  const result: Endpoint = {
    url: '',
    connections: 0,
    whenIdleConnectionEnds(action) {
      pending = action;
    },
  };
  server.on(kind === 'http' ? 'connection' : 'secureConnection', (socket: Socket) => {
    result.connections += 1;
    // After the server's own listener: the server has just destroyed the connection.
    socket.on('timeout', run);
    socket.once('close', run);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  result.url = `${kind}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return result;
}

const event = (seq: number): WebhookEvent<'message.deleted'> => ({
  id: `evt_chat_${seq}`,
  type: 'message.deleted',
  timestamp: new Date().toISOString(),
  data: { chatId: 'chat', seq, messageId: 'm', deletedAt: new Date().toISOString() },
});

function pushSender(): { sender: PushSender; target: (url: string) => Parameters<PushSender['send']>[0] } {
  const vapid = webpush.generateVAPIDKeys();
  const sender = new PushSender({
    vapid: { ...vapid, subject: 'mailto:test@example.test' },
    allowPrivateEndpoints: true,
    extraCa: testCertificate().cert,
  });
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
  };
  return { sender, target: (url) => ({ endpoint: `${url}/push/device`, ...keys }) };
}

const payload = (seq: number): PushPayload => ({
  type: 'message',
  id: `msg_${seq}`,
  chatId: 'chat',
  messageId: `m${seq}`,
  seq,
  title: 'A',
  body: 'hello',
});

describe('keep-alive connections to notification receivers', () => {
  it('a webhook sent as the receiver closes its idle connection is delivered', async () => {
    const receiver = await endpoint('http', 200);
    const sender = new WebhookSender(`${receiver.url}/webhook`, [
      `whsec_${randomBytes(32).toString('base64')}`,
    ]);
    try {
      expect(await sender.send(event(1))).toEqual({ ok: true });
      expect(receiver.connections).toBe(1);
      const second = new Promise<SendOutcome>((resolve) =>
        receiver.whenIdleConnectionEnds(() => void sender.send(event(2)).then(resolve)),
      );
      expect(await second).toEqual({ ok: true });
    } finally {
      sender.close();
    }
  });

  it('a push sent as the push service closes its idle connection is delivered', async () => {
    const service = await endpoint('https', 201);
    const { sender, target } = pushSender();
    try {
      expect(await sender.send(target(service.url), payload(1))).toEqual({ ok: true });
      expect(service.connections).toBe(1);
      const second = new Promise<SendOutcome>((resolve) =>
        service.whenIdleConnectionEnds(() => void sender.send(target(service.url), payload(2)).then(resolve)),
      );
      expect(await second).toEqual({ ok: true });
    } finally {
      sender.close();
    }
  });
});
