import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlockView, ChatView, MessageView } from '../../src/contract/views.js';
import type { DatabaseHandle } from '../../src/database/database.js';
import { DATABASE } from '../../src/database/database.module.js';
import { type TestUser } from '../support/factories.js';
import {
  addMembers,
  chatList,
  chatOf,
  createGroup,
  createUsers,
  historyOf,
  lastToken,
  next,
  syncAll,
} from '../support/groups.js';
import type { HttpResult } from '../support/http.js';
import { type ClientSocket, emitAck, Inbox, send, sendOk, settle } from '../support/socket.js';
import type { TestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

// Time is the app's manual clock: a presence grace period passes when a test says so.
const GRACE_MS = 5000;
const t = useTestApp({ env: { PRESENCE_GRACE_MS: String(GRACE_MS) } });

const users = (count: number) => createUsers(t, count);
const outcome = (res: HttpResult<{ code?: string } | undefined>) => [res.status, res.body?.code];

const block = (blocker: TestUser, blocked: string) =>
  t.http.request<BlockView & { code?: string }>('PUT', `/api/users/me/blocks/${blocked}`, {
    token: blocker.accessToken,
  });
const unblock = (blocker: TestUser, blocked: string) =>
  t.http.request('DELETE', `/api/users/me/blocks/${blocked}`, { token: blocker.accessToken });
const blocksOf = (user: TestUser, query = '') =>
  t.http.get<{ items: BlockView[]; nextCursor: string | null }>(
    `/api/users/me/blocks${query}`,
    user.accessToken,
  );

async function blockOk(blocker: TestUser, blocked: TestUser): Promise<BlockView> {
  const res = await block(blocker, blocked.id);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/**
 * Proves a socket has heard everything sent to it before now: a group message (which flows whatever the
 * blocks) arrives, and then the socket's own round trip comes back.
 */
async function barrier(from: ClientSocket, groupId: string, to: ClientSocket, content: string) {
  const arrival = next(to, 'chat:message_receive', (m) => m.content === content);
  await sendOk(from, { chatId: groupId, content });
  await arrival;
  await settle(to);
}

describe('the block list: PUT, GET, DELETE /api/users/me/blocks', () => {
  it('blocks (200, the same answer again), lists, pages and unblocks (204)', async () => {
    const [a, b, c, d] = await users(4);
    const view = await blockOk(a, b);
    expect(view).toEqual({ user: { id: b.id, name: b.name, avatar: null }, blockedAt: expect.any(String) });
    const again = await block(a, b.id);
    expect([again.status, again.body]).toEqual([200, view]);
    expect((await blocksOf(a)).body).toEqual({ items: [view], nextCursor: null });
    // Someone else's list is their own.
    expect((await blocksOf(b)).body).toEqual({ items: [], nextCursor: null });

    await blockOk(a, c);
    await blockOk(a, d);
    const first = await blocksOf(a, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await blocksOf(a, `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((v) => v.user.id).sort()).toEqual(
      [b.id, c.id, d.id].sort(),
    );

    const gone = await unblock(a, c.id);
    expect(gone.status).toBe(204);
    expect((await blocksOf(a)).body.items.map((v) => v.user.id).sort()).toEqual([b.id, d.id].sort());
  });

  it('refuses oneself (400), an unknown user (404) and a malformed id (400); needs a token', async () => {
    const [a] = await users(1);
    expect(outcome(await block(a, a.id))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await block(a, randomUUID()))).toEqual([404, 'USER_NOT_FOUND']);
    expect(outcome(await block(a, 'nobody'))).toEqual([400, 'VALIDATION_FAILED']);
    expect((await blocksOf(a)).body.items).toEqual([]);
    expect((await t.http.get('/api/users/me/blocks')).status).toBe(401);
  });

  it('takes at most 1000 blocks (409 BLOCK_LIMIT); blocking one already blocked still answers 200', async () => {
    const [a] = await users(1);
    // 1001 people, made straight in the database: signing up 1001 times would only test argon2.
    const database = t.app.app.get<DatabaseHandle>(DATABASE);
    const tag = randomBytes(4).toString('hex');
    const rows = await database.query<{ id: string }>(
      `INSERT INTO users (id, email, password_hash, name)
       SELECT gen_random_uuid(), 'bulk-' || i || '-' || $1::text || '@example.test', 'not a hash', 'Bulk ' || i
       FROM generate_series(1, 1001) AS i
       RETURNING id`,
      [tag],
    );
    const ids = rows.map((r) => r.id);
    expect(ids).toHaveLength(1001);
    const [extra, ...thousand] = ids as [string, ...string[]];
    for (let i = 0; i < thousand.length; i += 25) {
      const answers = await Promise.all(thousand.slice(i, i + 25).map((id) => block(a, id)));
      for (const res of answers) expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect(outcome(await block(a, extra))).toEqual([409, 'BLOCK_LIMIT']);
    expect((await block(a, thousand[0]!)).status).toBe(200);

    let listed = 0;
    let cursor: string | null = null;
    do {
      const page: HttpResult<{ items: BlockView[]; nextCursor: string | null }> = await blocksOf(
        a,
        `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      listed += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(listed).toBe(1000);

    expect((await unblock(a, thousand[1]!)).status).toBe(204);
    expect((await block(a, extra)).status).toBe(200);
    expect(outcome(await block(a, thousand[1]!))).toEqual([409, 'BLOCK_LIMIT']);
  });
});

describe('while A blocks B', () => {
  /** A and B with a direct chat of a message each way, and C's group with both of them in it. */
  async function blockedPair() {
    const [a, b, c] = await users(3);
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const first = await sendOk(sa, { receiverId: b.id, content: 'before the block' });
    await sendOk(sb, { receiverId: a.id, content: 'answered before the block' });
    const group = await createGroup(t, c, [a, b]);
    await blockOk(a, b);
    return { a, b, c, sa, sb, directId: first.chatId, groupId: group.id };
  }

  it('B’s direct message is acknowledged to B, but A hears nothing of it and finds it nowhere: history, sync, chat list, unread', async () => {
    const { a, sa, sb, directId, groupId } = await blockedPair();
    const a2 = await t.online(a);
    const heard = [new Inbox(sa, 'chat:message_receive'), new Inbox(a2, 'chat:message_receive')];
    const historyBefore = await historyOf(t, a, directId);
    const listedBefore = (await chatList(t, a)).find((chat) => chat.id === directId)!;
    const token = lastToken(await syncAll(t, a));

    const byReceiver = await send(sb, { receiverId: a.id, content: 'can you hear me?' });
    expect(byReceiver).toMatchObject({ ok: true, message: { id: expect.any(String), chatId: directId } });
    const byChat = await send(sb, { chatId: directId, content: 'and now?' });
    expect(byChat).toMatchObject({ ok: true, message: { id: expect.any(String), chatId: directId } });
    const hidden = [byReceiver, byChat].map((ack) => (ack as { message: MessageView }).message.id);

    await barrier(sb, groupId, sa, 'in the group, heard');
    await barrier(sb, groupId, a2, 'in the group, heard again');
    for (const inbox of heard) {
      expect(inbox.items.map((m) => m.id).filter((id) => hidden.includes(id))).toEqual([]);
      expect(inbox.items.filter((m) => m.chatId === directId)).toEqual([]);
    }
    expect(await historyOf(t, a, directId)).toEqual(historyBefore);
    const synced = await syncAll(t, a, token);
    expect(synced.flatMap((p) => p.messages).filter((m) => m.chatId === directId)).toEqual([]);
    expect(synced.flatMap((p) => p.events).filter((e) => e.chatId === directId)).toEqual([]);
    const listed = (await chatList(t, a)).find((chat) => chat.id === directId)!;
    expect(listed.lastMessage).toEqual(listedBefore.lastMessage);
    expect(listed.unreadCount).toBe(listedBefore.unreadCount);
    expect((await chatOf(t, a, directId)).unreadCount).toBe(listedBefore.unreadCount);
  });

  it('a first message from B to A makes no chat in A’s list', async () => {
    const [a, b] = await users(2);
    await blockOk(a, b);
    const sa = await t.online(a);
    const heard = new Inbox(sa, 'chat:message_receive');
    const ack = await send(await t.online(b), { receiverId: a.id, content: 'hello stranger' });
    expect(ack).toMatchObject({ ok: true, message: { id: expect.any(String) } });
    await settle(sa);
    expect(heard.items).toEqual([]);
    // Soft: each place where the message must not show is reported on its own.
    expect.soft(await chatList(t, a)).toEqual([]);
    expect.soft((await syncAll(t, a)).flatMap((p) => p.messages)).toEqual([]);
  });

  it('no typing either way', async () => {
    const { a, b, sa, sb, directId, groupId } = await blockedPair();
    const [atA, atB] = [new Inbox(sa, 'chat:typing'), new Inbox(sb, 'chat:typing')];
    await emitAck(sb, 'chat:typing', { chatId: directId, isTyping: true });
    await emitAck(sb, 'chat:typing', { receiverId: a.id, isTyping: false });
    await emitAck(sa, 'chat:typing', { chatId: directId, isTyping: true });
    await emitAck(sa, 'chat:typing', { receiverId: b.id, isTyping: false });
    await barrier(sb, groupId, sa, 'typing barrier to a');
    await barrier(sa, groupId, sb, 'typing barrier to b');
    expect(atA.items.filter((e) => e.chatId === directId)).toEqual([]);
    expect(atB.items.filter((e) => e.chatId === directId)).toEqual([]);
  });

  it('B adding A to a group leaves A out (notAdded), at creation and later', async () => {
    const [a, b, c] = await users(3);
    await blockOk(a, b);
    const created = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Without A', memberIds: [a.id, c.id] },
      b.accessToken,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ memberCount: 2, notAdded: [a.id] });
    expect(outcome(await t.http.get(`/api/chats/${created.body.id}`, a.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    const later = await createGroup(t, b, [c]);
    const res = await addMembers(t, b, later.id, [a.id]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ added: [], alreadyMembers: [], notAdded: [a.id] });
    expect((await chatOf(t, b, later.id)).memberCount).toBe(2);
    expect(await chatList(t, a)).toEqual([]);
  });

  it('in a group both are in, messages flow both ways', async () => {
    const { a, b, sa, sb, groupId } = await blockedPair();
    const atA = next(sa, 'chat:message_receive', (m) => m.content === 'from b to the group');
    const fromB = await sendOk(sb, { chatId: groupId, content: 'from b to the group' });
    expect(await atA).toEqual(fromB);
    const atB = next(sb, 'chat:message_receive', (m) => m.content === 'from a to the group');
    const fromA = await sendOk(sa, { chatId: groupId, content: 'from a to the group' });
    expect(await atB).toEqual(fromA);
    const seen = await historyOf(t, a, groupId);
    expect(seen.slice(0, 2)).toEqual([fromA, fromB]);
    expect((await historyOf(t, b, groupId)).slice(0, 2)).toEqual([fromA, fromB]);
  });

  it('after unblocking, B’s direct messages reach A again', async () => {
    const { a, b, sa, sb, directId } = await blockedPair();
    const heard = new Inbox(sa, 'chat:message_receive');
    const hidden = await sendOk(sb, { receiverId: a.id, content: 'while blocked' });
    expect((await unblock(a, b.id)).status).toBe(204);
    expect((await blocksOf(a)).body.items).toEqual([]);
    const arrival = next(sa, 'chat:message_receive', (m) => m.content === 'after the unblock');
    const fresh = await sendOk(sb, { receiverId: a.id, content: 'after the unblock' });
    expect(await arrival).toEqual(fresh);
    expect(heard.items.map((m) => m.id)).not.toContain(hidden.id);
    const seen = await historyOf(t, a, directId);
    expect(seen[0]).toEqual(fresh);
    // What was sent while blocked stays hidden from A.
    expect(seen.map((m) => m.id)).not.toContain(hidden.id);
    const listed: ChatView = (await chatList(t, a)).find((chat) => chat.id === directId)!;
    expect(listed.lastMessage).toEqual(fresh);
    expect(listed.unreadCount).toBeGreaterThanOrEqual(1);
  });
});

/** Closes a user's last socket and lets the grace period pass once the app has heard of the close. */
async function leave(app: TestApp, socket: ClientSocket): Promise<void> {
  const graceStarted = app.clock.nextTimer(GRACE_MS);
  socket.close();
  await graceStarted;
  app.clock.advance(GRACE_MS);
}

describe('presence while A blocks B', () => {
  it('neither hears of the other coming or going, while C (a correspondent of both) does', async () => {
    const [a, b, c] = await users(3);
    // Everyone has written to everyone, so each may see the others' presence; then all go offline.
    const [sa, sb, sc] = [await t.online(a), await t.online(b), await t.online(c)];
    for (const [from, to] of [
      [sa, b],
      [sb, a],
      [sa, c],
      [sc, a],
      [sb, c],
      [sc, b],
    ] as const)
      await sendOk(from, { receiverId: to.id, content: 'hello' });
    for (const socket of [sa, sb, sc]) await leave(t.app, socket);
    await blockOk(a, b);

    // A and C are online and watching; B comes.
    const watchC = await t.online(c);
    const atC = new Inbox(watchC, 'presence:update');
    const watchA = await t.online(a);
    const atA = new Inbox(watchA, 'presence:update');
    const bOnline = next(watchC, 'presence:update', (e) => e.userId === b.id && e.online);
    const b2 = await t.online(b);
    await bOnline;
    await settle(watchA);
    expect(atA.items.filter((e) => e.userId === b.id)).toEqual([]);

    // Now B watches; A goes and comes back: C hears both, B neither.
    const atB = new Inbox(b2, 'presence:update');
    const aOffline = next(watchC, 'presence:update', (e) => e.userId === a.id && !e.online);
    await leave(t.app, watchA);
    await aOffline;
    const aOnline = next(watchC, 'presence:update', (e) => e.userId === a.id && e.online);
    await t.online(a);
    await aOnline;
    await settle(b2);
    expect(atB.items.filter((e) => e.userId === a.id)).toEqual([]);
    expect(atC.items.filter((e) => e.userId === a.id).map((e) => e.online)).toEqual([true, false, true]);
  });
});
