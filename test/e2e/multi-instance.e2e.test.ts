import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { buildOnce, type ProcessApp, startProcessApp } from '../support/process-app.js';
import { redisEnv } from '../support/redis-env.js';
import { type ClientSocket, closeAll, connect, emitAck, Inbox, send, sendOk } from '../support/socket.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// Several instances need the shared services; the embedded defaults are one process by design.
// Both run from one folder (one checkout, or one shared volume), with no INSTANCE_ID and no JWT_SECRET:
// as a user tries scale-out, not as a test would prepare it.
describe.skipIf(!databaseUrl || !redisUrl)('two instances over one PostgreSQL and one Redis', () => {
  const shared = {
    DATABASE_URL: databaseUrl!,
    ...redisEnv(),
    REDIS_PREFIX: `mi${randomBytes(4).toString('hex')}`,
    PRESENCE_GRACE_MS: '500',
  };
  const folder = mkdtempSync(join(tmpdir(), 'live-chat-checkout-'));
  let one: ProcessApp;
  let two: ProcessApp;
  let http1: HttpClient;
  let http2: HttpClient;
  const open: ClientSocket[] = [];

  beforeAll(async () => {
    buildOnce();
    one = await startProcessApp(shared, { cwd: folder });
    two = await startProcessApp(shared, { cwd: folder });
    http1 = new HttpClient(one.baseUrl);
    http2 = new HttpClient(two.baseUrl);
  });
  afterAll(async () => {
    closeAll(...open);
    await Promise.all([one?.stop(), two?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  async function on(app: ProcessApp, user: TestUser): Promise<ClientSocket> {
    const socket = await connect(app.baseUrl, { token: user.accessToken });
    open.push(socket);
    return socket;
  }

  it('carries messages, receipts, typing and profile changes between users on different instances', async () => {
    const [a, b] = [await createUser(http1), await createUser(http2)];
    const [a1, b2] = [await on(one, a), await on(two, b)];
    const [aInbox, bInbox] = [new Inbox(a1, 'chat:message_receive'), new Inbox(b2, 'chat:message_receive')];

    const m1 = await sendOk(a1, { receiverId: b.id, content: 'from instance one' });
    expect(await bInbox.waitFor(1)).toEqual([m1]);
    const m2 = await sendOk(b2, { receiverId: a.id, content: 'and back from two' });
    expect(await aInbox.waitFor(2)).toEqual([m1, m2]);

    // (b's own message m2 already moved b's read mark to 2: read something newer.)
    const reads = new Inbox(a1, 'chat:message_read');
    const m3 = await sendOk(a1, { receiverId: b.id, content: 'read me' });
    await emitAck(b2, 'chat:message_read', { chatId: m1.chatId, messageId: m3.id });
    expect((await reads.waitFor(1))[0]).toMatchObject({ userId: b.id, seq: 3 });

    const typing = new Inbox(b2, 'chat:typing');
    await emitAck(a1, 'chat:typing', { chatId: m1.chatId, isTyping: true });
    await emitAck(a1, 'chat:typing', { chatId: m1.chatId, isTyping: false });
    expect((await typing.waitFor(2)).map((t) => t.isTyping)).toEqual([true, false]);

    // A profile change made through instance two reaches the socket cached on instance one.
    await http2.patch('/api/users/me', { name: 'Renamed' }, a.accessToken);
    // Instance two publishes the change, then this delivery, on one ordered connection: once a1 has the
    // delivery, instance one has applied the change.
    await sendOk(b2, { receiverId: a.id, content: 'after the rename' });
    await aInbox.waitFor(4);
    const m4 = await sendOk(a1, { receiverId: b.id, content: 'new name' });
    expect(m4.sender.name).toBe('Renamed');
  });

  it('a token issued by one instance is good at the other (one generated JWT secret for the deployment)', async () => {
    const user = await createUser(http1);
    expect((await http2.get('/api/users/me', user.accessToken)).status).toBe(200);
    const elsewhere = mkdtempSync(join(tmpdir(), 'live-chat-other-'));
    const three = await startProcessApp(shared, { cwd: elsewhere });
    try {
      // A folder of its own too: the secret lives in the database both use, not in a folder.
      expect((await new HttpClient(three.baseUrl).get('/api/users/me', user.accessToken)).status).toBe(200);
    } finally {
      await three.stop();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('sees presence across instances: one online and one offline event for two devices on two instances', async () => {
    const [a, b] = [await createUser(http1), await createUser(http1)];
    // They have written to each other, so each may see the other's presence.
    const [sa, sb] = [await on(one, a), await on(two, b)];
    const watcher = sb;
    const updates = new Inbox(watcher, 'presence:update');
    await sendOk(sa, { receiverId: b.id, content: 'hi' });
    await sendOk(sb, { receiverId: a.id, content: 'hi' });
    sa.close();
    const seen = () => updates.items.map((e) => `${e.userId === a.id ? 'a' : 'c'} ${e.online}`);
    await updates.waitFor(2);
    expect(seen()).toEqual(['a true', 'a false']);
    const d1 = await on(one, a);
    await updates.waitFor(3);
    const d2 = await on(two, a);
    d1.close();
    // c writes to b from instance one, and leaves after a's first device did: once c's offline event is in,
    // a's would be too.
    const c = await createUser(http1);
    const sc = await on(one, c);
    await sendOk(sc, { receiverId: b.id, content: 'hi' });
    sc.close();
    await updates.waitFor(5);
    expect(seen()).toEqual(['a true', 'a false', 'a true', 'c true', 'c false']);
    d2.close();
    await updates.waitFor(6);
    expect(seen()).toEqual(['a true', 'a false', 'a true', 'c true', 'c false', 'a false']);
  });

  it('SIGTERM to one instance under traffic loses no acknowledged message; its clients carry on at the other', async () => {
    const [a, b] = [await createUser(http1), await createUser(http2)];
    const receiver = await on(two, b);
    const received = new Inbox(receiver, 'chat:message_receive');
    let sender = await on(one, a);
    const total = 300;
    const acked = new Map<string, MessageView>();
    const unacked = new Set<string>(Array.from({ length: total }, (_, i) => `k${i}`));
    let next = 0;
    let terminated: Promise<number | null> | undefined;

    // Keep 8 sends in flight; SIGTERM instance one a third of the way through.
    const pump = async (socket: ClientSocket) => {
      while (next < total) {
        const key = `k${next++}`;
        if (next === Math.floor(total / 3)) terminated = one.stop('SIGTERM');
        const ack = await send(socket, { receiverId: b.id, content: key, clientMessageId: key }).catch(
          () => null,
        );
        if (ack?.ok) {
          acked.set(key, ack.message);
          unacked.delete(key);
        }
        if (!socket.connected) return;
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => pump(sender)));
    expect(await terminated).toBe(0);

    // The client moves to instance two and resends what it never saw acknowledged, with the same ids.
    sender = await on(two, a);
    next = total;
    for (const key of [...unacked]) {
      const message = await sendOk(sender, { receiverId: b.id, content: key, clientMessageId: key });
      acked.set(key, message);
      unacked.delete(key);
    }
    expect(acked.size).toBe(total);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ client_message_id: string; n: number }>(
      `SELECT client_message_id, count(*)::int AS n FROM messages WHERE sender_id = $1 GROUP BY 1`,
      [a.id],
    );
    await db.end();
    expect(rows).toHaveLength(total);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // Every acknowledged message is stored, under the id it was acknowledged with.
    const chatId = [...acked.values()][0]!.chatId;
    const history: MessageView[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: MessageView[]; nextCursor: string | null } } = await http2.get(
        `/api/chats/${chatId}/messages?limit=100${cursor ? `&before=${cursor}` : ''}`,
        b.accessToken,
      );
      history.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const stored = new Map(history.map((m) => [m.clientMessageId, m.id]));
    for (const [key, message] of acked) expect(stored.get(key)).toBe(message.id);
    // The receiver on the surviving instance was served throughout.
    expect(received.items.length).toBeGreaterThan(0);
    expect(receiver.connected).toBe(true);
  });

  it('WORKERS=2 serves one port from two processes that act as one service', async () => {
    const clustered = await startProcessApp({ ...shared, WORKERS: '2' }, { cwd: folder });
    try {
      const workers = execFileSync('pgrep', ['-P', String(clustered.child.pid)])
        .toString()
        .trim()
        .split('\n');
      expect(workers).toHaveLength(2);
      const http = new HttpClient(clustered.baseUrl);
      const users = [
        await createUser(http),
        await createUser(http),
        await createUser(http),
        await createUser(http),
      ];
      // Connections are spread over the workers; every pair still talks.
      const sockets = await Promise.all(users.map((u) => on(clustered, u)));
      const inboxes = sockets.map((socket) => new Inbox(socket, 'chat:message_receive'));
      for (let i = 0; i < users.length; i++) {
        const to = users[(i + 1) % users.length]!;
        await sendOk(sockets[i]!, { receiverId: to.id, content: `hop ${i}` });
      }
      for (const inbox of inboxes)
        expect((await inbox.waitFor(2)).map((m) => m.content).sort()).toHaveLength(2);
      closeAll(...sockets);
    } finally {
      expect(await clustered.stop('SIGTERM')).toBe(0);
    }
  });
});
