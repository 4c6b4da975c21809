import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it, onTestFailed } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { freePort, type ProcessApp, startProcessApp, useProcessApps } from '../support/process-app.js';
import { type ClientSocket, connect, type SendAck } from '../support/socket.js';
import { inbox } from './inbox.js';
import { condensedLog } from './log-summary.js';
import { type PrivateRedis, startRedis } from './redis-server.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// Safety nets, not expectations of speed.
const WAIT_MS = 30_000;

async function sendOnce(socket: ClientSocket, receiverId: string, content: string): Promise<SendAck | null> {
  return (await socket
    .timeout(20_000)
    .emitWithAck('chat:message_send', { receiverId, content })
    .catch(() => null)) as SendAck | null;
}

/** Sends until one is accepted (a client retrying while the service recovers), within the safety net. */
async function sendUntilAccepted(
  socket: ClientSocket,
  receiverId: string,
  content: string,
): Promise<MessageView> {
  const deadline = Date.now() + WAIT_MS;
  let last: SendAck | null = null;
  while (Date.now() < deadline) {
    last = await sendOnce(socket, receiverId, content);
    if (last?.ok) return last.message;
    await sleep(200);
  }
  throw new Error(`never accepted: ${JSON.stringify(last)}`);
}

// The shared Redis on 6379 is never touched: the instances here use a private redis-server.
describe.skipIf(!databaseUrl || !redisUrl)('Redis restarted under two instances', () => {
  let redis: PrivateRedis | undefined;
  const { apps, sockets } = useProcessApps(async () => redis?.kill());

  it('both instances reconnect, cross-instance fan-out resumes, and neither process crashes', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    const shared = {
      DATABASE_URL: databaseUrl!,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `rr${randomBytes(4).toString('hex')}`,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      PRESENCE_GRACE_MS: '500',
    };
    const [one, two] = await Promise.all([startProcessApp(shared), startProcessApp(shared)]);
    apps.push(one, two);
    onTestFailed(() =>
      console.log(
        `--- instance one, condensed ---\n${condensedLog(one.output())}\n--- instance two, condensed ---\n${condensedLog(two.output())}`,
      ),
    );
    const http = new HttpClient(one.baseUrl);
    const on = async (app: ProcessApp, user: TestUser) => {
      const socket = await connect(app.baseUrl, { token: user.accessToken });
      sockets.push(socket);
      return socket;
    };
    const [a, b, c, d, e, f] = await Promise.all(
      ['A', 'B', 'C', 'D', 'E', 'F'].map((name) => createUser(http, { name })),
    );
    const [a1, b2, d2] = [await on(one, a!), await on(two, b!), await on(two, d!)];
    const [aInbox] = [inbox(a1)];

    // Before: a message from instance two reaches a user on instance one.
    const before = await sendUntilAccepted(b2, a!.id, 'before the restart');
    expect(await aInbox.waitFor(before.id), 'cross-instance delivery before the restart').toBe(true);

    // Redis dies with every key it held.
    await redis.kill();
    const ready = async (app: ProcessApp) => (await fetch(`${app.baseUrl}/api/health/ready`)).status;
    expect([await ready(one), await ready(two)], 'not ready without Redis').toEqual([503, 503]);
    // A send during the outage is answered: stored, or refused as unavailable (never an internal error).
    const during = await sendOnce(b2, a!.id, 'during the outage');
    expect
      .soft(during === null ? 'no ack' : during.ok ? 'ok' : during.error.code, 'a send while Redis is down')
      .toMatch(/^(ok|SERVICE_UNAVAILABLE)$/);
    // A user who connects while Redis is down.
    const c1 = await on(one, c!);
    const cInbox = inbox(c1);
    // The outage lasts until both instances have seen their Redis connections fail.
    const sawOutage = (app: ProcessApp) => app.output().includes('Redis connection error');
    const deadlineDown = Date.now() + WAIT_MS;
    while (!(sawOutage(one) && sawOutage(two)) && Date.now() < deadlineDown) await sleep(50);

    // Redis is back, empty, on the same port.
    redis = await startRedis(port);
    const deadline = Date.now() + WAIT_MS;
    while ((await ready(one)) !== 200 || (await ready(two)) !== 200) {
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    expect([await ready(one), await ready(two)], 'ready again once Redis is back').toEqual([200, 200]);

    // Fan-out resumes for sockets connected before the restart...
    const after = await sendUntilAccepted(b2, a!.id, 'after the restart');
    expect(
      await aInbox.waitFor(after.id),
      'a (instance one, connected before) receives from b (instance two)',
    ).toBe(true);
    // ...for users who connect after it, both ways...
    const [e1, f2] = [await on(one, e!), await on(two, f!)];
    const [eInbox, fInbox] = [inbox(e1), inbox(f2)];
    const fe = await sendUntilAccepted(f2, e!.id, 'new connections, two to one');
    const ef = await sendUntilAccepted(e1, f!.id, 'new connections, one to two');
    expect(
      await eInbox.waitFor(fe.id),
      'e (instance one, connected after) receives from f (instance two)',
    ).toBe(true);
    expect(
      await fInbox.waitFor(ef.id),
      'f (instance two, connected after) receives from e (instance one)',
    ).toBe(true);
    // ...and for a user who connected while Redis was down.
    const dc = await sendUntilAccepted(d2, c!.id, 'to the user who connected during the outage');
    expect
      .soft(
        await cInbox.waitFor(dc.id),
        'c (instance one, connected during the outage) receives from d (instance two)',
      )
      .toBe(true);

    // Nothing crashed.
    expect([one.child.exitCode, two.child.exitCode], 'both processes alive').toEqual([null, null]);
    expect([
      (await fetch(`${one.baseUrl}/api/health`)).status,
      (await fetch(`${two.baseUrl}/api/health`)).status,
    ]).toEqual([200, 200]);
    console.log(
      `redis restart: send during the outage: ${during === null ? 'no ack' : during.ok ? 'ok' : during.error.code}; ` +
        `cross-instance delivery after the restart: before-connected ${aInbox.has(after.id)}, new ${eInbox.has(fe.id) && fInbox.has(ef.id)}, ` +
        `connected-during-outage ${cInbox.has(dc.id)}`,
    );
  }, 120_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
