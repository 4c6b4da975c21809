import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it, onTestFailed, vi } from 'vitest';
import { ChatClient, MemoryStorage } from '../../packages/client/src/index.js';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, userInput } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ProcessApp, startProcessApp, useProcessApps } from '../support/process-app.js';
import { type ClientSocket, connect, refusalWithData, type SendAck, sendOk } from '../support/socket.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { condensedLog } from './log-summary.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// PostgreSQL stays unreachable until this many sends were refused as unavailable: the outage is seen.
const REFUSED_DURING_OUTAGE = 16;
// Safety nets, not expectations of speed.
const ACK_WAIT_MS = 20_000;
const RECOVERY_WAIT_MS = 30_000;

interface Attempt {
  key: string;
  startedAt: number;
  /** 'ok', an error code, or 'no ack' when the safety net ran out. */
  outcome?: string;
  message?: MessageView;
}

describe.skipIf(!databaseUrl)('PostgreSQL unreachable under load', () => {
  const proxies: TcpProxy[] = [];
  const { apps, sockets } = useProcessApps(() => Promise.all(proxies.map((proxy) => proxy.close())));

  /** The service as a process whose every database connection goes through a proxy the test controls. */
  async function proxiedService(): Promise<{ proxy: TcpProxy; app: ProcessApp }> {
    const target = new URL(databaseUrl!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    proxies.push(proxy);
    const viaProxy = new URL(databaseUrl!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const app = await startProcessApp({
      DATABASE_URL: viaProxy.toString(),
      JWT_SECRET: randomBytes(48).toString('base64url'),
      MESSAGE_RATE_LIMIT: '1000000',
      AUTH_RATE_LIMIT: '1000000',
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `pg${randomBytes(4).toString('hex')}` } : {}),
    });
    apps.push(app);
    onTestFailed(() => console.log(`--- service log, condensed ---\n${condensedLog(app.output())}`));
    return { proxy, app };
  }

  it('refuses a socket whose session cannot be checked as unavailable, not unauthorized, and takes it once the database is back', async () => {
    const { proxy, app } = await proxiedService();
    const user = await createUser(new HttpClient(app.baseUrl));
    await proxy.cut();
    const during = await refusalWithData(app.baseUrl, { token: user.accessToken });
    expect(during).toEqual({
      message: 'service unavailable',
      data: { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable' },
    });
    await proxy.restore();
    const socket = await connect(app.baseUrl, { token: user.accessToken });
    sockets.push(socket);
    expect(socket.connected).toBe(true);
    const forged = await refusalWithData(app.baseUrl, { token: `${user.accessToken}x` });
    expect(forged.message).toBe('unauthorized');
    expect(forged.data?.code).toBe('UNAUTHORIZED');
  });

  it('the SDK, refused as unavailable, tries again later with the same token instead of refreshing it', async () => {
    const { proxy, app } = await proxiedService();
    const client = await ChatClient.register(app.baseUrl, userInput(), { storage: new MemoryStorage() });
    try {
      await client.live();
      const refresh = vi.spyOn(client.session, 'refresh');
      const refreshAsked = new Promise<void>((resolve) =>
        refresh.mockImplementation(() => {
          resolve();
          return Promise.resolve();
        }),
      );
      await proxy.cut();
      // The transport drops; Socket.IO reconnects at once and the handshake is refused as unavailable.
      const refused = new Promise<unknown>((resolve) => client.socket.once('connect_error', resolve));
      client.socket.io.engine.close();
      expect(await refused).toMatchObject({ data: { code: 'SERVICE_UNAVAILABLE' } });
      // The SDK's own retry comes after its back-off: by then a refresh would have been asked for.
      await Promise.race([client.when('state', (state) => state === 'connecting'), refreshAsked]);
      expect(refresh).not.toHaveBeenCalled();
      await proxy.restore();
      await client.when('state', (state) => state === 'live');
      expect(refresh).not.toHaveBeenCalled();
    } finally {
      client.close();
    }
  });

  it('answers SERVICE_UNAVAILABLE (or waits) during a 3 s outage, loses nothing acknowledged, and recovers by itself', async () => {
    const { proxy, app } = await proxiedService();
    const http = new HttpClient(app.baseUrl);
    const pid = app.child.pid;
    const [a, b] = [await createUser(http), await createUser(http)];
    const sender = await connect(app.baseUrl, { token: a.accessToken });
    sockets.push(sender);

    const attempts: Attempt[] = [];
    let stop = false;
    let n = 0;
    const sendOne = async (key: string): Promise<Attempt> => {
      const attempt: Attempt = { key, startedAt: Date.now() };
      attempts.push(attempt);
      const ack = (await sender
        .timeout(ACK_WAIT_MS)
        .emitWithAck('chat:message_send', {
          receiverId: b.id,
          content: `message ${key}`,
          clientMessageId: key,
        })
        .catch(() => null)) as SendAck | null;
      attempt.outcome = ack === null ? 'no ack' : ack.ok ? 'ok' : ack.error.code;
      if (ack?.ok) attempt.message = ack.message;
      return attempt;
    };
    // 8 senders in flight the whole time; a refused send is not retried here (the client does it at the end).
    const pump = async () => {
      while (!stop) {
        const attempt = await sendOne(`pg-${n++}`);
        // As a client would, back off a little after a refusal.
        if (attempt.outcome !== 'ok') await sleep(25);
      }
    };
    const pumps = Promise.all(Array.from({ length: 8 }, pump));
    const okCount = () => attempts.filter((x) => x.outcome === 'ok').length;
    await until(() => okCount() >= 100, RECOVERY_WAIT_MS);

    // The outage. It starts as a write has committed but before its answer reaches the service: that send
    // cannot be acknowledged, yet it is stored (so the client's retry must find it, not store it again).
    await proxy.cut({ hold: 'response' });
    const cutAt = Date.now();
    const readyDuring = await fetch(`${app.baseUrl}/api/health/ready`);
    expect(readyDuring.status, 'not ready while the database is unreachable').toBe(503);
    await until(
      () =>
        attempts.filter((x) => x.startedAt >= cutAt && x.outcome === 'SERVICE_UNAVAILABLE').length >=
        REFUSED_DURING_OUTAGE,
      RECOVERY_WAIT_MS,
    );
    await proxy.restore();
    const restoredAt = Date.now();

    // Recovery without a restart: sends succeed again, and the service is ready again.
    await until(
      () => attempts.filter((x) => x.outcome === 'ok' && x.startedAt >= restoredAt).length >= 50,
      RECOVERY_WAIT_MS,
    );
    stop = true;
    await pumps;
    let ready = 0;
    await until(async () => {
      ready = (await fetch(`${app.baseUrl}/api/health/ready`)).status;
      return ready === 200;
    }, RECOVERY_WAIT_MS);
    expect(ready, 'ready again after the database came back').toBe(200);
    expect(app.child.exitCode, 'still the same process').toBeNull();
    expect(app.child.pid).toBe(pid);
    const recovered = attempts.filter((x) => x.outcome === 'ok' && x.startedAt >= restoredAt);
    expect(recovered.length, 'sends succeed again after the restore').toBeGreaterThan(0);

    // During the outage each send was answered: acknowledged (it waited), or refused as unavailable.
    const outcomes = count(attempts.map((x) => x.outcome!));
    const affected = attempts.filter((x) => x.outcome !== 'ok');
    const duringOutage = attempts.filter((x) => x.startedAt < restoredAt && x.startedAt >= cutAt - 1000);
    console.log(
      `postgres outage: ${attempts.length} sends; outcomes ${JSON.stringify(outcomes)}; ` +
        `${duringOutage.length} started around the outage; first success ${recovered.length ? recovered[0]!.startedAt - restoredAt : '-'} ms after restore`,
    );
    expect(affected.length, 'the outage was felt').toBeGreaterThan(0);
    // (Soft: what follows, nothing lost and one copy each, is checked whatever the codes were.)
    expect
      .soft(
        affected.filter((x) => x.outcome !== 'SERVICE_UNAVAILABLE').map((x) => `${x.key}: ${x.outcome}`),
        'sends refused for another reason than SERVICE_UNAVAILABLE',
      )
      .toEqual([]);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const rowsOf = async () =>
        (
          await db.query<{ id: string; client_message_id: string }>(
            'SELECT id, client_message_id FROM messages WHERE sender_id = $1',
            [a.id],
          )
        ).rows;
      // Nothing acknowledged is lost.
      const stored = new Map((await rowsOf()).map((r) => [r.client_message_id, r.id]));
      const lost = attempts.filter((x) => x.message && stored.get(x.key) !== x.message.id).map((x) => x.key);
      expect(lost, 'acknowledged messages missing from the database').toEqual([]);

      // The client resends what was refused, with the same clientMessageIds: one copy of each in the end.
      const resend = [...affected];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let x = resend.shift(); x; x = resend.shift()) {
            const message = await sendOk(sender, {
              receiverId: b.id,
              content: `message ${x.key}`,
              clientMessageId: x.key,
            });
            if (stored.has(x.key))
              expect(message.id, `${x.key} was stored although refused; the retry acks it`).toBe(
                stored.get(x.key),
              );
          }
        }),
      );
      const rows = await rowsOf();
      const copies = count(rows.map((r) => r.client_message_id));
      expect(
        Object.entries(copies).filter(([, k]) => k > 1),
        'stored twice',
      ).toEqual([]);
      expect(new Set(Object.keys(copies))).toEqual(new Set(attempts.map((x) => x.key)));
      const storedAnyway = affected.filter((x) => stored.has(x.key)).length;
      console.log(
        `postgres outage: acked messages lost: ${lost.length}; refused but stored anyway: ${storedAnyway}`,
      );
    } finally {
      await db.end();
    }
  }, 120_000);

  it('stores each message once when a connection drops mid-write while PostgreSQL stays reachable', async () => {
    const { proxy, app } = await proxiedService();
    const http = new HttpClient(app.baseUrl);
    const receiver = await createUser(http);
    const senders = await Promise.all([1, 2, 3, 4].map(() => createUser(http)));
    const senderSockets = await Promise.all(
      senders.map((u) => connect(app.baseUrl, { token: u.accessToken })),
    );
    sockets.push(...senderSockets);

    // Messages without a clientMessageId (allowed: it is optional): the service alone must not store one twice.
    const outcomes: { content: string; outcome: string; message?: MessageView }[] = [];
    let stop = false;
    let n = 0;
    const pump = async (socket: ClientSocket) => {
      while (!stop) {
        const content = `blip ${n++}`;
        const ack = (await socket
          .timeout(ACK_WAIT_MS)
          .emitWithAck('chat:message_send', { receiverId: receiver.id, content })
          .catch(() => null)) as SendAck | null;
        outcomes.push({
          content,
          outcome: ack === null ? 'no ack' : ack.ok ? 'ok' : ack.error.code,
          message: ack?.ok ? ack.message : undefined,
        });
      }
    };
    // 32 sends in flight, so that writes go in batches.
    const pumps = Promise.all(
      senderSockets.flatMap((socket) => Array.from({ length: 8 }, () => pump(socket))),
    );
    const oks = () => outcomes.filter((x) => x.outcome === 'ok').length;
    await until(() => oks() >= 100, RECOVERY_WAIT_MS);
    // Three blips, each as a write has committed but before its answer arrives.
    for (let i = 1; i <= 3; i++) {
      await proxy.drop({ hold: 'response' });
      const target = oks() + 100;
      await until(() => oks() >= target, RECOVERY_WAIT_MS);
    }
    stop = true;
    await pumps;

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; content: string }>(
        'SELECT id, content FROM messages WHERE sender_id = ANY($1::uuid[])',
        [senders.map((u) => u.id)],
      );
      const copies = count(rows.map((r) => r.content));
      const twice = Object.entries(copies).filter(([, k]) => k > 1);
      const storedIds = new Set(rows.map((r) => r.id));
      const lost = outcomes.filter((x) => x.message && !storedIds.has(x.message.id)).map((x) => x.content);
      const storedContents = new Set(rows.map((r) => r.content));
      const refusedButStored = outcomes.filter(
        (x) => x.outcome !== 'ok' && storedContents.has(x.content),
      ).length;
      console.log(
        `postgres blips: ${outcomes.length} sends; outcomes ${JSON.stringify(count(outcomes.map((x) => x.outcome)))}; ` +
          `stored twice: ${twice.length}; acked messages lost: ${lost.length}; refused but stored anyway: ${refusedButStored}`,
      );
      expect(lost, 'acknowledged messages missing from the database').toEqual([]);
      expect(twice, 'messages sent once but stored twice').toEqual([]);
      expect
        .soft(
          outcomes
            .filter((x) => x.outcome !== 'ok' && x.outcome !== 'SERVICE_UNAVAILABLE')
            .map((x) => `${x.content}: ${x.outcome}`),
          'sends refused for another reason than SERVICE_UNAVAILABLE',
        )
        .toEqual([]);
      expect(app.child.exitCode, 'still running').toBeNull();
    } finally {
      await db.end();
    }
  }, 120_000);
});

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds or the safety net runs out (the caller asserts what it needs). */
async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const holds = () =>
    Promise.resolve()
      .then(condition)
      .catch(() => false);
  while (!(await holds()) && Date.now() < deadline) await sleep(50);
}
