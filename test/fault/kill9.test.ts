import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it, onTestFailed } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { startProcessApp, useProcessApps } from '../support/process-app.js';
import { connect, send, sendOk } from '../support/socket.js';
import { condensedLog } from './log-summary.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// A real process killed with SIGKILL, on the real PostgreSQL (and Redis when the run has it).
describe.skipIf(!databaseUrl)('kill -9 of the service under load', () => {
  const env = {
    DATABASE_URL: databaseUrl!,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    INSTANCE_ID: 'k9',
    MESSAGE_RATE_LIMIT: '1000000',
    AUTH_RATE_LIMIT: '1000000',
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `k9${randomBytes(4).toString('hex')}` } : {}),
  };
  const { apps, sockets } = useProcessApps();

  it('loses no acknowledged message; resending the unacknowledged ones leaves exactly one copy of each', async () => {
    const first = await startProcessApp(env);
    apps.push(first);
    onTestFailed(() => console.log(`--- first process log, condensed ---\n${condensedLog(first.output())}`));
    const http = new HttpClient(first.baseUrl);
    const [a, b] = [await createUser(http), await createUser(http)];
    const sender = await connect(first.baseUrl, { token: a.accessToken });
    sockets.push(sender);

    const total = 600;
    const keys = Array.from({ length: total }, (_, i) => `k9-${i}`);
    const acked = new Map<string, MessageView>();
    let next = 0;
    let killed: Promise<number | null> | undefined;
    // 16 sends in flight; SIGKILL a third of the way through, with writes queued and in flight.
    const pump = async () => {
      while (next < total && sender.connected) {
        const key = keys[next++]!;
        if (next === total / 3) {
          first.child.kill('SIGKILL');
          killed = first.exited;
        }
        const ack = await send(sender, {
          receiverId: b.id,
          content: `message ${key}`,
          clientMessageId: key,
        }).catch(() => null);
        if (ack?.ok) acked.set(key, ack.message);
      }
    };
    await Promise.all(Array.from({ length: 16 }, pump));
    expect(await killed, 'killed by a signal, not exited').toBeNull();
    const ackedBeforeKill = acked.size;
    expect(ackedBeforeKill).toBeGreaterThan(0);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const rowsOf = async () =>
        (
          await db.query<{ id: string; client_message_id: string; content: string }>(
            'SELECT id, client_message_id, content FROM messages WHERE sender_id = $1',
            [a.id],
          )
        ).rows;

      // Every message the client saw acknowledged is in the database, as acknowledged.
      const afterKill = new Map((await rowsOf()).map((r) => [r.client_message_id, r]));
      const lost = [...acked].filter(([key, m]) => afterKill.get(key)?.id !== m.id);
      expect(lost, 'acknowledged messages missing after kill -9').toEqual([]);
      const committedUnacked = [...afterKill.keys()].filter((key) => !acked.has(key)).length;

      // A restarted process; the client resends everything it never saw acknowledged, with the same ids.
      const second = await startProcessApp(env);
      apps.push(second);
      onTestFailed(() =>
        console.log(`--- restarted process log, condensed ---\n${condensedLog(second.output())}`),
      );
      const again = await connect(second.baseUrl, { token: a.accessToken });
      sockets.push(again);
      const unacked = keys.filter((key) => !acked.has(key));
      const queue = [...unacked];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let key = queue.shift(); key; key = queue.shift()) {
            const message = await sendOk(again, {
              receiverId: b.id,
              content: `message ${key}`,
              clientMessageId: key,
            });
            // A message committed just before the kill comes back as the original, not as a new row.
            if (afterKill.has(key)) expect(message.id, key).toBe(afterKill.get(key)!.id);
            acked.set(key, message);
          }
        }),
      );

      const rows = await rowsOf();
      const copies = new Map<string, number>();
      for (const r of rows) copies.set(r.client_message_id, (copies.get(r.client_message_id) ?? 0) + 1);
      const duplicates = [...copies].filter(([, n]) => n > 1);
      expect(duplicates, 'clientMessageIds stored more than once').toEqual([]);
      expect(new Set(copies.keys())).toEqual(new Set(keys));
      const byKey = new Map(rows.map((r) => [r.client_message_id, r]));
      for (const [key, message] of acked) expect(byKey.get(key)?.id, key).toBe(message.id);

      // The receiver, catching up with GET /api/sync from the start, gets each message exactly once.
      const http2 = new HttpClient(second.baseUrl);
      const synced: MessageView[] = [];
      let token: string | undefined;
      for (;;) {
        const page = await http2.get(
          `/api/sync?limit=1000${token ? `&since=${encodeURIComponent(token)}` : ''}`,
          b.accessToken,
        );
        expect(page.status).toBe(200);
        synced.push(...page.body.messages);
        token = page.body.token;
        if (!page.body.hasMore) break;
      }
      const syncedKeys = synced.filter((m) => m.sender.id === a.id).map((m) => m.clientMessageId);
      expect(syncedKeys.sort()).toEqual([...keys].sort());

      console.log(
        `kill -9: ${total} sends, ${ackedBeforeKill} acked before the kill, ${committedUnacked} committed but unacked, ` +
          `${unacked.length} resent; acked messages lost: ${lost.length}; duplicates after retry: ${duplicates.length}`,
      );
    } finally {
      await db.end();
    }
  });
});
