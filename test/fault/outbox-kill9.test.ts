import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it, onTestFailed } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { newWebhookSecret, subscribePush } from '../support/notifications.js';
import { type ProcessApp, startProcessApp, useProcessApps } from '../support/process-app.js';
import { type PushRequest, startPushService, testCertificate } from '../support/push-service.js';
import { type ClientSocket, connect, sendOk } from '../support/socket.js';
import { startWebhookReceiver, type WebhookRequest } from '../support/webhook-receiver.js';
import { condensedLog } from './log-summary.js';

const databaseUrl = inject('databaseUrl');

/** A message as acknowledged to its sender, and whom it went to. */
interface Sent {
  to: TestUser;
  message: MessageView;
}
const redisUrl = inject('redisUrl');

// How long a database condition may take before the test fails instead of hanging: a safety net.
const DB_WAIT_MS = 30_000;

/**
 * The notification outbox of a real process killed with SIGKILL while a notification is on the wire: the
 * restarted process replays the slice the dead one never finished, under the same ids. Each test has a
 * database of its own: the outbox's partitions are shared by every instance on a database, so an app of
 * another test file on the run's database would take some of them and notify (or not) for its own receiver.
 */
describe.skipIf(!databaseUrl)('notification outbox across kill -9 (real processes, PostgreSQL)', () => {
  const databases: string[] = [];
  const { apps, sockets } = useProcessApps(async () => {
    for (const name of databases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], url = databaseUrl!) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** The environment of one test's service processes, on a new database of its own. */
  async function serviceEnv(tag: string, extra: Record<string, string>): Promise<Record<string, string>> {
    const name = `chat_outbox_${tag}_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    databases.push(name);
    const url = new URL(databaseUrl!);
    url.pathname = `/${name}`;
    // On a failure, what waits for a retry and why.
    onTestFailed(async () => {
      const rows = await admin(
        'SELECT channel, id, attempts, last_error AS "lastError", dead_at AS "deadAt" FROM outbox_retries',
        [],
        url.toString(),
      );
      console.log(
        `--- outbox_retries (${rows.length}) ---\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
      );
    });
    return {
      DATABASE_URL: url.toString(),
      JWT_SECRET: randomBytes(48).toString('base64url'),
      INSTANCE_ID: `ob-${tag}`,
      PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
      // The push stand-in's self-signed certificate, trusted by the child process.
      NODE_EXTRA_CA_CERTS: testCertificate().certFile,
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `ob${randomBytes(4).toString('hex')}` } : {}),
      ...extra,
    };
  }

  async function start(env: Record<string, string>, label: string): Promise<ProcessApp> {
    const app = await startProcessApp(env);
    apps.push(app);
    onTestFailed(() => console.log(`--- ${label} process log, condensed ---\n${condensedLog(app.output())}`));
    return app;
  }

  async function online(app: ProcessApp, user: TestUser): Promise<ClientSocket> {
    const socket = await connect(app.baseUrl, { token: user.accessToken });
    sockets.push(socket);
    return socket;
  }

  /** SIGKILL; resolves once the process is gone, insisting it died of the signal. */
  async function kill9(app: ProcessApp): Promise<void> {
    app.child.kill('SIGKILL');
    expect(await app.exited, 'killed by a signal, not exited').toBeNull();
  }

  /** Sends `perChat` messages to each recipient: chats in parallel, each chat's in order. */
  async function sendRound(
    socket: ClientSocket,
    recipients: TestUser[],
    perChat: number,
    label: string,
  ): Promise<Sent[]> {
    const sent = await Promise.all(
      recipients.map(async (to, r) => {
        const messages: Sent[] = [];
        for (let i = 0; i < perChat; i++) {
          const message = await sendOk(socket, { receiverId: to.id, content: `${label} ${r}.${i}` });
          messages.push({ to, message });
        }
        return messages;
      }),
    );
    return sent.flat();
  }

  /** Polls the database until `done` holds for the rows of `sql`; fails after a safety timeout. */
  async function untilRows<T extends pg.QueryResultRow>(
    url: string,
    sql: string,
    done: (rows: T[]) => boolean,
    what: string,
  ): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const deadline = Date.now() + DB_WAIT_MS;
    try {
      for (;;) {
        const { rows } = await client.query<T>(sql);
        if (done(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await client.end();
    }
  }

  it('webhooks: an event on the wire at the kill is sent again by the restarted process under the same id, and nothing is lost', async () => {
    const secrets = [newWebhookSecret()];
    let hungId: string | undefined;
    const receiver = await startWebhookReceiver({
      secrets,
      // Holds the first POST of the first message.created: the dispatcher's tick waits on it.
      respond: (request: WebhookRequest) => {
        if (hungId === undefined && request.event.type === 'message.created') {
          hungId = request.id;
          return 'hang';
        }
        return 200;
      },
    });
    try {
      const env = await serviceEnv('wh', { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secrets.join(' ') });
      const first = await start(env, 'first');
      const http = new HttpClient(first.baseUrl);
      const sender = await createUser(http);
      const recipients = [await createUser(http), await createUser(http), await createUser(http)];
      await createUser(http).then((late) => recipients.push(late));
      const before = (await sendRound(await online(first, sender), recipients, 3, 'before the kill')).map(
        (s) => s.message,
      );
      await receiver.hung();
      await kill9(first);
      const acceptedBeforeKill = receiver.accepted.length;

      // The same configuration again; it may wait for the dead process's partition leases to run out.
      const second = await start(env, 'restarted');
      const after = (await sendRound(await online(second, sender), recipients, 2, 'after the restart')).map(
        (s) => s.message,
      );
      const sent = [...before, ...after];
      const idOf = (m: MessageView) => `evt_${m.chatId}_${m.seq}`;
      const accepted = () => new Set(receiver.accepted.map((e) => e.id));
      await receiver.waitFor(
        () => sent.every((m) => accepted().has(idOf(m))),
        'every message.created accepted after the restart',
      );

      // The held request itself was never answered: every id was accepted from a later request.
      expect(hungId).toBeDefined();
      expect(receiver.requests.find((r) => r.id === hungId)?.status).toBe(0);
      expect(receiver.byId.get(hungId!), 'the held event is sent again').toBeGreaterThanOrEqual(2);
      expect(receiver.rejected).toBe(0);
      expect(receiver.requests.every((r) => r.verified)).toBe(true);
      for (const message of sent) {
        const key = `${message.chatId}:${message.seq}:message.created`;
        expect(receiver.idsByEvent.get(key), key).toEqual(new Set([idOf(message)]));
        const event = receiver.accepted.find((e) => e.id === idOf(message));
        expect(event?.data, key).toMatchObject({ chatId: message.chatId, seq: message.seq });
      }
      // Nothing but these messages was notified, and every notified event came under one id.
      expect(new Set(receiver.accepted.map((e) => e.id))).toEqual(new Set(sent.map(idOf)));
      for (const [key, ids] of receiver.idsByEvent) expect(ids.size, key).toBe(1);
      receiver.releaseHung(200);

      const replayed = [...receiver.byId.values()].filter((n) => n > 1).length;
      console.log(
        `outbox kill -9 (webhooks): ${before.length} messages before the kill (${acceptedBeforeKill} accepted then), ` +
          `${after.length} after the restart; ${receiver.requests.length} requests, ${replayed} ids sent again after the restart`,
      );
    } finally {
      await receiver.close();
    }
  });

  it('Web Push: a push on the wire at the kill is sent again by the restarted process under the same id, and none is missing', async () => {
    let hung: { name: string; id: string } | undefined;
    const push = await startPushService({
      // Holds the first push: the dispatcher's tick waits on it.
      respond: (request: PushRequest) => {
        if (hung === undefined) {
          hung = { name: request.name, id: request.payload.id };
          return 'hang';
        }
        return 201;
      },
    });
    try {
      const env = await serviceEnv('push', {});
      const first = await start(env, 'first');
      const http = new HttpClient(first.baseUrl);
      const sender = await createUser(http);
      const recipients = [await createUser(http), await createUser(http), await createUser(http)];
      // Offline recipients with a push subscription; the first has two devices.
      const devices = new Map<string, string[]>();
      for (const [i, user] of recipients.entries()) {
        const names = [(await subscribePush(http, push, user)).name];
        if (i === 0) names.push((await subscribePush(http, push, user)).name);
        devices.set(user.id, names);
      }
      const before = await sendRound(await online(first, sender), recipients, 3, 'before the kill');
      await push.hung();
      await kill9(first);
      const answeredBeforeKill = push.received.filter((p) => p.status === 201).length;

      const second = await start(env, 'restarted');
      const after = await sendRound(await online(second, sender), recipients, 2, 'after the restart');
      const sent = [...before, ...after];
      // Every message, to every device of its recipient.
      const expected = sent.flatMap(({ to, message }) =>
        devices.get(to.id)!.map((name) => `${name} msg_${message.id}`),
      );
      const delivered = () =>
        new Set(
          push.received.filter((p) => p.ok && p.status === 201).map((p) => `${p.name} ${p.payload!.id}`),
        );
      await push.waitFor(
        () => expected.every((pair) => delivered().has(pair)),
        'a push of every message on every device after the restart',
      );

      expect(hung).toBeDefined();
      const again = push.received.filter((p) => p.name === hung!.name && p.payload?.id === hung!.id);
      expect(
        again.map((p) => p.status),
        'the held push, then it again',
      ).toEqual([0, 201]);
      expect(push.received.filter((p) => !p.ok).map((p) => p.error)).toEqual([]);
      const pushes = push.received.filter((p) => p.payload?.type === 'message');
      expect(pushes).toHaveLength(push.received.length);
      // Each message's pushes, first attempts and replays, all under one id: msg_<messageId>.
      const idsOf = new Map<string, Set<string>>();
      for (const p of pushes) {
        if (p.payload!.type !== 'message') continue;
        const ids = idsOf.get(p.payload!.messageId) ?? new Set<string>();
        idsOf.set(p.payload!.messageId, ids.add(p.payload!.id));
      }
      expect(new Set(idsOf.keys())).toEqual(new Set(sent.map((s) => s.message.id)));
      for (const { message } of sent) {
        expect(idsOf.get(message.id), message.content).toEqual(new Set([`msg_${message.id}`]));
      }
      // Nobody else was pushed to: only the recipient's devices, only these messages.
      expect(new Set(pushes.map((p) => `${p.name} ${p.payload!.id}`))).toEqual(new Set(expected));
      push.releaseHung(201);

      console.log(
        `outbox kill -9 (push): ${before.length} messages before the kill (${answeredBeforeKill} pushes answered then), ` +
          `${after.length} after the restart; ${expected.length} pushes due, ${push.received.length} received`,
      );
    } finally {
      await push.close();
    }
  });

  it('webhook retries: an endpoint answering 500 three times then 200 gets each event once accepted, under one id over 4 attempts, in chat order', async () => {
    const secrets = [newWebhookSecret(), newWebhookSecret()];
    const receiver = await startWebhookReceiver({
      secrets,
      respond: (_request, attempt) => (attempt <= 3 ? 500 : 200),
    });
    try {
      const env = await serviceEnv('retry', {
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: secrets.join(' '),
        // Real time: a second between attempts instead of the default 5 s, 5 min, 30 min.
        WEBHOOK_RETRY_SCHEDULE: '0s,1s,1s,1s',
      });
      const app = await start(env, 'service');
      const http = new HttpClient(app.baseUrl);
      const sender = await createUser(http);
      const recipients = [await createUser(http), await createUser(http), await createUser(http)];
      const sent = (await sendRound(await online(app, sender), recipients, 2, 'retried')).map(
        (s) => s.message,
      );
      const idOf = (m: MessageView) => `evt_${m.chatId}_${m.seq}`;
      await receiver.waitFor(
        () => sent.every((m) => receiver.accepted.some((e) => e.id === idOf(m))),
        'every event accepted',
      );
      // Nothing is left to retry, so nothing more will be sent.
      await untilRows<{ n: number }>(
        env.DATABASE_URL!,
        'SELECT count(*)::int AS n FROM outbox_retries',
        (rows) => rows[0]!.n === 0,
        'the retries to be done',
      );

      for (const message of sent) {
        const id = idOf(message);
        const attempts = receiver.requests.filter((r) => r.id === id);
        expect(
          attempts.map((r) => [r.verified, r.status]),
          id,
        ).toEqual([
          [true, 500],
          [true, 500],
          [true, 500],
          [true, 200],
        ]);
        expect(receiver.idsByEvent.get(`${message.chatId}:${message.seq}:message.created`)).toEqual(
          new Set([id]),
        );
      }
      expect(receiver.requests).toHaveLength(4 * sent.length);
      // Each chat's events were accepted in seq order.
      for (const chatId of new Set(sent.map((m) => m.chatId))) {
        const seqs = receiver.accepted.filter((e) => e.data.chatId === chatId).map((e) => e.data.seq);
        expect(seqs).toEqual(
          sent
            .filter((m) => m.chatId === chatId)
            .map((m) => m.seq)
            .sort((a, b) => a - b),
        );
      }
      const health = await http.get('/api/health/notifications');
      expect(health.body.channels.webhook).toMatchObject({ pending: 0, dead: 0 });
    } finally {
      await receiver.close();
    }
  });
});
