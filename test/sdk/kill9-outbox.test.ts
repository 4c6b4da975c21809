import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it, onTestFailed } from 'vitest';
import { ChatClient, MemoryStorage } from '../../packages/client/src/index.js';
import { condensedLog } from '../fault/log-summary.js';
import { startProcessApp, useProcessApps } from '../support/process-app.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { expectStoreMatchesService, historyOf, nextState, signUp } from './support.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// A real service process killed with SIGKILL while a client's outbox holds messages, some of them on the
// wire; the client itself restarts during the outage, from the same storage. Clients reach the service
// through a relay, so the restarted process (on a port of its own) is found at the same address.
describe('the SDK outbox across a kill -9 of the service', () => {
  // Embedded, the restarted process must open the dead one's PGlite files: both run in one folder.
  const folder = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'sdk-kill9-'));
  const env = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, INSTANCE_ID: 'sdk-k9' } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `sdk${randomBytes(4).toString('hex')}` } : {}),
  };
  const clients: ChatClient[] = [];
  let proxy: TcpProxy | undefined;
  const { apps } = useProcessApps(async () => {
    for (const client of clients) client.close();
    await proxy?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('stores every message exactly once and shows it once on both sides', async () => {
    const first = await startProcessApp(env, { cwd: folder });
    apps.push(first);
    onTestFailed(() => console.log(`--- first process ---\n${condensedLog(first.output())}`));
    const target = { host: '127.0.0.1', port: Number(new URL(first.baseUrl).port) };
    proxy = await startTcpProxy(target);
    const url = `http://127.0.0.1:${proxy.port}`;

    const storage = new MemoryStorage();
    const alice = await signUp(url, storage);
    const bob = await signUp(url);
    clients.push(alice, bob);
    await Promise.all([alice.live(), bob.live()]);
    const { chatId } = await alice.sent(alice.send({ receiverId: bob.user.id }, 'before'));

    // Some sends are acknowledged; some are committed when the process dies but their acks never arrive
    // (the relay holds back the service's answers until one is held, then cuts); some are made while it is down.
    const acked = Array.from({ length: 10 }, (_, i) => alice.send({ chatId }, `acked ${i}`));
    await Promise.all(acked.map((m) => alice.sent(m)));
    const aliceOffline = nextState(alice, 'offline');
    for (let i = 0; i < 10; i++) alice.send({ chatId }, `in flight ${i}`);
    await proxy.cut({ hold: 'response' });
    first.child.kill('SIGKILL');
    expect(await first.exited, 'killed by the signal').toBeNull();
    await aliceOffline;
    expect(alice.outbox.pending().length, 'no ack of the in-flight sends arrived').toBe(10);
    for (let i = 0; i < 10; i++) alice.send({ chatId }, `while down ${i}`);
    expect(alice.pending(chatId).map((m) => m.payload.content)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `in flight ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `while down ${i}`),
    ]);

    // The app restarts too: a new client on the same storage takes over what the old one left unsent.
    alice.close();
    const again = await ChatClient.resume(
      url,
      { accessToken: alice.session.accessToken, refreshToken: alice.session.refreshToken, user: alice.user },
      { storage },
    );
    clients.push(again);
    expect(again.outbox.pending().length).toBe(alice.outbox.pending().length);

    const second = await startProcessApp(env, { cwd: folder });
    apps.push(second);
    onTestFailed(() => console.log(`--- restarted process ---\n${condensedLog(second.output())}`));
    target.port = Number(new URL(second.baseUrl).port);
    await proxy.restore();

    const expected = [
      'before',
      ...Array.from({ length: 10 }, (_, i) => `acked ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `in flight ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `while down ${i}`),
    ];
    const holdsAll = (client: ChatClient) =>
      client.store.until((store) => store.messages(chatId).length >= expected.length);
    await Promise.all([holdsAll(again), holdsAll(bob)]);
    await nextState(again, 'live', { now: true });
    expect(again.outbox.pending()).toEqual([]);

    // Stored once each, in the order they were sent, and shown once on both sides.
    const stored = await historyOf(again, chatId);
    expect(stored.map((m) => m.content)).toEqual(expected);
    expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(expected.length);
    await expectStoreMatchesService(again, chatId, 'the restarted sender');
    await expectStoreMatchesService(bob, chatId, 'the receiver');
  });
});
