import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFailed } from 'vitest';
import type { AppConfig } from '../../src/config/config.js';
import { APP_CONFIG } from '../../src/config/config.module.js';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { newWebhookSecret, subscribePush } from '../support/notifications.js';
import { ownDatabaseEnv } from '../support/own-database.js';
import { type PushService, startPushService, testCertificate } from '../support/push-service.js';
import { type ClientSocket, closeAll, connect, sendOk } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

const PARTITIONS = 16;
// How long a database condition may take before the test fails instead of hanging: a safety net.
const DB_WAIT_MS = 30_000;

interface Chat {
  chatId: string;
  sender: TestUser;
  to: TestUser;
  /** The sender's socket, on the instance the sender uses. */
  socket: ClientSocket;
}

/**
 * Two in-process instances on one PostgreSQL database (a database of this file's own: the outbox's
 * partitions are shared by every instance on a database, and apps of other files would take some).
 */
describe.skipIf(!databaseUrl)('the notification outbox shared by two instances (one PostgreSQL)', () => {
  const own = ownDatabaseEnv();
  const secrets = [newWebhookSecret()];
  let receiver: WebhookReceiver;
  let push: PushService;
  let one: TestApp;
  let two: TestApp;
  let twoClosed = false;
  let db: pg.Client;
  const open: ClientSocket[] = [];
  // Every message sent so far, and the push subscription (endpoint name) of each recipient.
  const sent: MessageView[] = [];
  const deviceOf = new Map<string, string>();
  const chats: Chat[] = [];
  let senders: { one: TestUser[]; two: TestUser[] };

  beforeAll(async () => {
    // Receivers as deployed: Node's default keep-alive timeout (5 s). A send on a connection the receiver
    // is just closing fails and waits for a retry, which the manual clock never brings: see
    // test/unit/notification-keepalive.test.ts.
    receiver = await startWebhookReceiver({ secrets });
    push = await startPushService();
    const env = {
      ...own,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: secrets.join(' '),
      PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
      // With Redis, the two are one cluster (presence and delivery across them), as deployed.
      ...(redisUrl ? { REDIS_PREFIX: `omi${randomBytes(4).toString('hex')}` } : {}),
    };
    const pushCa = testCertificate().cert;
    // One after the other: the first migrates the new database.
    one = await startTestApp({ env, pushCa });
    two = await startTestApp({ env, pushCa });
    db = new pg.Client({ connectionString: own.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    closeAll(...open);
    await one?.close();
    if (!twoClosed) await two?.close();
    await db?.end();
    await receiver?.close();
    await push?.close();
  });

  // On a failure, what waits for a retry and why (the apps' clocks are manual: a retry never comes due).
  beforeEach(() => {
    onTestFailed(async () => {
      const { rows } = await db.query(
        'SELECT channel, id, attempts, last_error AS "lastError" FROM outbox_retries ORDER BY created_at',
      );
      console.log(
        `--- outbox_retries (${rows.length}) ---\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
      );
    });
  });

  const instanceOf = (app: TestApp) => app.app.get<AppConfig>(APP_CONFIG).instanceId;

  async function online(app: TestApp, user: TestUser): Promise<ClientSocket> {
    const socket = await connect(app.baseUrl, { token: user.accessToken });
    open.push(socket);
    return socket;
  }

  /** Polls the database until `done` holds for the rows of `sql`; fails after a safety timeout. */
  async function untilRows<T extends pg.QueryResultRow>(
    sql: string,
    done: (rows: T[]) => boolean,
    what: string,
  ): Promise<T[]> {
    const deadline = Date.now() + DB_WAIT_MS;
    for (;;) {
      const { rows } = await db.query<T>(sql);
      if (done(rows)) return rows;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Resolves once the partitions are held as `want` says (owner → count of live leases). */
  function untilOwners(want: Record<string, number>, what: string) {
    return untilRows<{ owner: string | null; n: number }>(
      'SELECT owner, count(*)::int AS n FROM outbox_partitions WHERE lease_until > now() GROUP BY owner',
      (rows) => JSON.stringify(ownersOf(rows)) === JSON.stringify(sorted(want)),
      what,
    );
  }
  const sorted = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  const ownersOf = (rows: { owner: string | null; n: number }[]) =>
    sorted(Object.fromEntries(rows.map((r) => [r.owner ?? 'nobody', r.n])));

  /**
   * Resolves once every partition's snapshot has moved past every message sent (each was read and its
   * notifications sent: the snapshot moves only after that) and no notification waits for a retry: from
   * then on nothing more goes out for them, so the counts at the receivers are final.
   */
  async function untilAllRead(): Promise<void> {
    await untilRows<{ unread: number; retries: number }>(
      `SELECT (SELECT count(*)::int FROM messages m JOIN outbox_partitions p ON to_hex(p.part) = right(m.chat_id::text, 1)
               WHERE NOT pg_visible_in_snapshot(m.txid, p.seen::pg_snapshot)) AS unread,
              (SELECT count(*)::int FROM outbox_retries) AS retries`,
      ([row]) => row!.unread === 0 && row!.retries === 0,
      'every message read past, and no retries',
    );
  }

  const webhookId = (m: MessageView) => `evt_${m.chatId}_${m.seq}`;
  const pushKey = (name: string, messageId: string) => `${name} msg_${messageId}`;

  /** Waits until every message sent has reached the receiver (accepted) and its recipient's device. */
  async function untilDelivered(what: string): Promise<void> {
    const expectedPushes = sent.map((m) => pushKey(deviceOf.get(recipientOf(m))!, m.id));
    await receiver.waitFor(() => {
      const accepted = new Set(receiver.accepted.map((e) => e.id));
      return sent.every((m) => accepted.has(webhookId(m)));
    }, `every webhook ${what}`);
    await push.waitFor((received) => {
      const delivered = new Set(
        received.filter((p) => p.ok && p.status === 201).map((p) => `${p.name} ${p.payload!.id}`),
      );
      return expectedPushes.every((key) => delivered.has(key));
    }, `every push ${what}`);
  }
  const recipientOf = (m: MessageView) => chats.find((c) => c.chatId === m.chatId)!.to.id;

  /** Every webhook id and every push arrived exactly once, and nothing else arrived. */
  function expectEachOnce(): void {
    expect(receiver.rejected).toBe(0);
    expect(new Set(receiver.byId.keys())).toEqual(new Set(sent.map(webhookId)));
    const repeated = [...receiver.byId].filter(([, n]) => n !== 1);
    expect(repeated, 'webhook ids sent more than once').toEqual([]);
    expect(receiver.requests.every((r) => r.verified && r.status === 200)).toBe(true);

    expect(push.received.filter((p) => !p.ok).map((p) => p.error)).toEqual([]);
    const pushCounts = new Map<string, number>();
    for (const p of push.received) {
      const key = `${p.name} ${p.payload!.id}`;
      pushCounts.set(key, (pushCounts.get(key) ?? 0) + 1);
    }
    expect(new Set(pushCounts.keys())).toEqual(
      new Set(sent.map((m) => pushKey(deviceOf.get(recipientOf(m))!, m.id))),
    );
    expect(
      [...pushCounts].filter(([, n]) => n !== 1),
      'pushes sent more than once',
    ).toEqual([]);
  }

  /** chat_notifications_sent_total of one instance, by channel. */
  async function sentCounts(app: TestApp): Promise<{ webhook: number; push: number; failed: number }> {
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    const count = (name: string, channel: string) =>
      Number(new RegExp(`^${name}\\{channel="${channel}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return {
      webhook: count('chat_notifications_sent_total', 'webhook'),
      push: count('chat_notifications_sent_total', 'push'),
      failed:
        count('chat_notifications_failed_total', 'webhook') +
        count('chat_notifications_failed_total', 'push'),
    };
  }

  it('splits the 16 partitions and sends every webhook and every push exactly once, from both instances', async () => {
    const [id1, id2] = [instanceOf(one), instanceOf(two)];
    expect(id1).not.toBe(id2);
    await untilOwners({ [id1]: PARTITIONS / 2, [id2]: PARTITIONS / 2 }, 'the two instances to hold 8 each');

    const [http1, http2] = [new HttpClient(one.baseUrl), new HttpClient(two.baseUrl)];
    senders = {
      one: [await createUser(http1), await createUser(http1)],
      two: [await createUser(http2), await createUser(http2)],
    };
    const sockets = new Map<string, ClientSocket>();
    for (const user of senders.one) sockets.set(user.id, await online(one, user));
    for (const user of senders.two) sockets.set(user.id, await online(two, user));
    const allSenders = [...senders.one, ...senders.two];

    // New offline recipients, each with a push subscription and a direct chat with every sender (the first
    // message makes it), until there are 20 chats or more and they fall in every partition.
    const parts = new Set<string>();
    while (chats.length < 20 || parts.size < PARTITIONS) {
      const to = await createUser(chats.length % 2 ? http2 : http1);
      deviceOf.set(to.id, (await subscribePush(http1, push, to)).name);
      const first = await Promise.all(
        allSenders.map((sender) =>
          sendOk(sockets.get(sender.id)!, { receiverId: to.id, content: `hello from ${sender.name}` }),
        ),
      );
      for (const [i, message] of first.entries()) {
        sent.push(message);
        chats.push({
          chatId: message.chatId,
          sender: allSenders[i]!,
          to,
          socket: sockets.get(allSenders[i]!.id)!,
        });
        parts.add(message.chatId.at(-1)!);
      }
    }

    // The rest of 200 messages, over every chat, from both instances at once; each chat's in order.
    const total = 200;
    const perChat = new Map(chats.map((c) => [c.chatId, 0]));
    for (let i = 0; i < total - sent.length; i++) {
      const chat = chats[i % chats.length]!;
      perChat.set(chat.chatId, perChat.get(chat.chatId)! + 1);
    }
    await Promise.all(
      chats.map(async (chat) => {
        for (let i = 0; i < perChat.get(chat.chatId)!; i++) {
          sent.push(await sendOk(chat.socket, { receiverId: chat.to.id, content: `message ${i}` }));
        }
      }),
    );
    expect(sent).toHaveLength(total);

    await untilDelivered('from both instances');
    await untilAllRead();
    // No takeover happened meanwhile (that would replay a partition): each still holds its 8.
    await untilOwners({ [id1]: PARTITIONS / 2, [id2]: PARTITIONS / 2 }, 'the split to hold');
    expectEachOnce();

    // Each instance sent its share, and together exactly one of each: none counted twice at the source.
    const [c1, c2] = [await sentCounts(one), await sentCounts(two)];
    expect(c1.webhook, 'webhooks sent by instance one').toBeGreaterThan(0);
    expect(c2.webhook, 'webhooks sent by instance two').toBeGreaterThan(0);
    expect(c1.webhook + c2.webhook).toBe(total);
    expect(c1.push + c2.push).toBe(total);
    expect(c1.failed + c2.failed).toBe(0);
    console.log(
      `outbox over two instances: ${chats.length} chats in ${parts.size} partitions, ${total} messages; ` +
        `webhooks sent by one/two: ${c1.webhook}/${c2.webhook}, pushes: ${c1.push}/${c2.push}`,
    );
  });

  it('after one instance stops, the other takes over all 16 partitions and keeps delivering, still once each', async () => {
    expect(chats.length, 'the chats of the test before').toBeGreaterThan(0);
    const id1 = instanceOf(one);
    const before = sent.length;
    // Messages through instance two just before it stops: it may stop before reading them, and then
    // instance one must notify them after taking its partitions over.
    const viaTwo = chats.filter((c) => senders.two.some((s) => s.id === c.sender.id));
    for (const chat of viaTwo) {
      sent.push(await sendOk(chat.socket, { receiverId: chat.to.id, content: 'just before the stop' }));
    }
    twoClosed = true;
    await two.close();
    await untilOwners({ [id1]: PARTITIONS }, 'instance one to hold all 16');

    // Every chat once more, all through instance one: every partition now goes through it.
    const sockets = new Map<string, ClientSocket>();
    for (const user of [...senders.one, ...senders.two]) sockets.set(user.id, await online(one, user));
    await Promise.all(
      chats.map(async (chat) => {
        sent.push(
          await sendOk(sockets.get(chat.sender.id)!, {
            receiverId: chat.to.id,
            content: 'after the takeover',
          }),
        );
      }),
    );
    expect(new Set(sent.slice(before).map((m) => m.chatId.at(-1))).size).toBe(PARTITIONS);

    await untilDelivered('after the takeover');
    await untilAllRead();
    expectEachOnce();
    console.log(
      `takeover: ${viaTwo.length} messages through instance two just before it stopped, ` +
        `${chats.length} through instance one after; all ${sent.length} notified once`,
    );
  });
});
