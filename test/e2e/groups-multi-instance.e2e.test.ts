import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUser } from '../support/factories.js';
import {
  addMembersOk,
  createGroup,
  EventLog,
  historyOf,
  next,
  removeMember,
  updateGroup,
} from '../support/groups.js';
import { HttpClient } from '../support/http.js';
import { buildOnce, type ProcessApp, startProcessApp } from '../support/process-app.js';
import { redisEnv } from '../support/redis-env.js';
import { type ClientSocket, closeAll, connect, emitAck, send, sendOk, settle } from '../support/socket.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

// Several instances need the shared services, as in multi-instance.e2e.test.ts.
describe.skipIf(!databaseUrl || !redisUrl)('groups over two instances (one PostgreSQL, one Redis)', () => {
  const shared = {
    DATABASE_URL: databaseUrl!,
    ...redisEnv(),
    REDIS_PREFIX: `gmi${randomBytes(4).toString('hex')}`,
  };
  const folder = mkdtempSync(join(tmpdir(), 'live-chat-groups-'));
  let one: ProcessApp;
  let two: ProcessApp;
  const viaOne = { http: undefined as unknown as HttpClient };
  const viaTwo = { http: undefined as unknown as HttpClient };
  const open: ClientSocket[] = [];

  beforeAll(async () => {
    buildOnce();
    [one, two] = await Promise.all([
      startProcessApp(shared, { cwd: folder }),
      startProcessApp(shared, { cwd: folder }),
    ]);
    viaOne.http = new HttpClient(one.baseUrl);
    viaTwo.http = new HttpClient(two.baseUrl);
  });
  afterAll(async () => {
    closeAll(...open);
    await Promise.all([one?.stop(), two?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  async function on(app: ProcessApp, token: string): Promise<ClientSocket> {
    const socket = await connect(app.baseUrl, { token });
    open.push(socket);
    return socket;
  }

  it('a member removed through instance one, connected to instance two, hears chat:member_removed and then nothing more', async () => {
    const [a, b, c, d] = [
      await createUser(viaOne.http),
      await createUser(viaOne.http),
      await createUser(viaTwo.http),
      await createUser(viaTwo.http),
    ];
    const group = await createGroup(viaOne, a, [b, c]);
    const sa = await on(one, a.accessToken);
    const [sb, sc] = [await on(two, b.accessToken), await on(two, c.accessToken)];
    const log = new EventLog(sc);

    // Before: messages cross between the instances both ways, and c may write (instance two knows it).
    const heard = next(sc, 'chat:message_receive', (m) => m.content === 'from one');
    await sendOk(sa, { chatId: group.id, content: 'from one' });
    await heard;
    const atA = next(sa, 'chat:message_receive', (m) => m.content === 'from c on two');
    await sendOk(sc, { chatId: group.id, content: 'from c on two' });
    await atA;

    const removed = next(sc, 'chat:member_removed');
    expect((await removeMember(viaOne, a, group.id, c.id)).status).toBe(204);
    const removal = await removed;
    expect(removal).toMatchObject({ chatId: group.id, userId: c.id, reason: 'removed', memberCount: 2 });

    // The group goes on, through instance one, and through instance two; b (on two) hears all of it.
    const bHears = [
      next(sb, 'chat:message_receive', (m) => m.content === 'after c, from one'),
      next(sb, 'chat:updated'),
      next(sb, 'chat:member_added'),
      next(sb, 'chat:message_receive', (m) => m.content === 'after c, from two'),
      next(sa, 'chat:typing'),
    ];
    await sendOk(sa, { chatId: group.id, content: 'after c, from one' });
    expect((await updateGroup(viaOne, a, group.id, { title: 'Without c' })).status).toBe(200);
    await addMembersOk(viaOne, a, group.id, [d]);
    await sendOk(sb, { chatId: group.id, content: 'after c, from two' });
    await emitAck(sb, 'chat:typing', { chatId: group.id, isTyping: true });
    await Promise.all(bHears);
    await settle(sc);
    const events = log.of(group.id);
    expect(events.at(-1)!.name).toBe('chat:member_removed');
    expect(events.filter((e) => (e.payload.seq ?? 0) > removal.seq)).toEqual([]);

    // Instance two no longer lets c write there, nor read.
    expect(await send(sc, { chatId: group.id, content: 'still here?' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect((await viaTwo.http.get(`/api/chats/${group.id}/messages`, c.accessToken)).status).toBe(404);
    expect((await historyOf(viaOne, a, group.id)).map((m) => m.content)).not.toContain('still here?');
  });
});
