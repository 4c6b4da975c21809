import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

describe('POST /api/chats/direct', () => {
  it('creates the chat once (201) and then returns the same one (200), from either side', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const created = await t.http.post('/api/chats/direct', { userId: b.id }, a.accessToken);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      type: 'DIRECT',
      peer: { id: b.id, name: b.name, avatar: null },
      title: null,
      avatar: null,
      memberCount: 2,
      role: null,
      historyVisibility: null,
      lastMessage: null,
      unreadCount: 0,
      readSeq: 0,
      peerReadSeq: 0,
      peerDeliveredSeq: 0,
      notifications: { level: 'all', mutedUntil: null },
      updatedAt: expect.any(String),
    });
    const again = await t.http.post('/api/chats/direct', { userId: a.id }, b.accessToken);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.peer.id).toBe(a.id);
  });

  it('refuses an unknown user with 404 and a malformed id with 400, creating nothing', async () => {
    const a = await createUser(t.http);
    const unknown = await t.http.post('/api/chats/direct', { userId: randomUUID() }, a.accessToken);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('USER_NOT_FOUND');
    expect((await t.http.post('/api/chats/direct', { userId: 'abc' }, a.accessToken)).status).toBe(400);
    expect((await t.http.get('/api/chats', a.accessToken)).body.items).toEqual([]);
  });

  it('requires a token', async () => {
    expect((await t.http.post('/api/chats/direct', { userId: randomUUID() })).status).toBe(401);
  });
});

describe('GET /api/chats', () => {
  it('lists the caller’s chats, most recent first, with peer, last message and unread count', async () => {
    const [me, x, y] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const [sx, sy] = [await t.online(x), await t.online(y)];
    await sendOk(sx, { receiverId: me.id, content: 'x1' });
    await sendOk(sy, { receiverId: me.id, content: 'y1' });
    const last = await sendOk(sx, { receiverId: me.id, content: 'x2' });

    const list = await t.http.get('/api/chats', me.accessToken);
    expect(list.body.items.map((c: { peer: { id: string } }) => c.peer.id)).toEqual([x.id, y.id]);
    expect(list.body.items[0]).toMatchObject({ lastMessage: last, unreadCount: 2 });
    expect(list.body.items[1]).toMatchObject({ lastMessage: { content: 'y1' }, unreadCount: 1 });
  });

  it('pages with nextCursor, without repeats', async () => {
    const me = await createUser(t.http);
    const socket = await t.online(me);
    const peers = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    for (const peer of peers) await sendOk(socket, { receiverId: peer.id, content: 'hi' });
    const first = await t.http.get('/api/chats?limit=2', me.accessToken);
    expect(first.body.items).toHaveLength(2);
    const second = await t.http.get(`/api/chats?limit=2&before=${first.body.nextCursor}`, me.accessToken);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((c: { peer: { id: string } }) => c.peer.id);
    expect(ids).toEqual(peers.map((p) => p.id).reverse());
    expect((await t.http.get('/api/chats?before=garbage', me.accessToken)).status).toBe(400);
  });
});

describe('GET /api/chats/:chatId/messages', () => {
  it('answers 404 to a non-member and for an unknown chat, and 400 for a malformed id or limit', async () => {
    const [a, b, outsider] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const message = await sendOk(await t.online(a), { receiverId: b.id, content: 'private' });
    const foreign = await t.http.get(`/api/chats/${message.chatId}/messages`, outsider.accessToken);
    const missing = await t.http.get(`/api/chats/${randomUUID()}/messages`, outsider.accessToken);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('CHAT_NOT_FOUND');
    expect(missing.body).toEqual(foreign.body);
    expect((await t.http.get('/api/chats/not-a-uuid/messages', a.accessToken)).status).toBe(400);
    for (const limit of ['0', '101', 'x']) {
      expect(
        (await t.http.get(`/api/chats/${message.chatId}/messages?limit=${limit}`, a.accessToken)).status,
      ).toBe(400);
    }
    expect(
      (await t.http.get(`/api/chats/${message.chatId}/messages?before=5&after=1`, a.accessToken)).status,
    ).toBe(400);
  });
});

describe('POST /api/chats/:chatId/read', () => {
  it('marks read up to a message, only forward, and the unread count follows', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const m1 = await sendOk(socket, { receiverId: b.id, content: '1' });
    const m2 = await sendOk(socket, { receiverId: b.id, content: '2' });
    await sendOk(socket, { receiverId: b.id, content: '3' });

    const read = await t.http.post(`/api/chats/${m1.chatId}/read`, { messageId: m2.id }, b.accessToken);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      chatId: m1.chatId,
      userId: b.id,
      messageId: m2.id,
      seq: 2,
      readAt: expect.any(String),
      unreadCount: 1,
    });
    const back = await t.http.post(`/api/chats/${m1.chatId}/read`, { messageId: m1.id }, b.accessToken);
    expect(back.body).toMatchObject({ seq: 2, unreadCount: 1 });
    expect((await t.http.get('/api/chats', b.accessToken)).body.items[0].unreadCount).toBe(1);
  });

  it('refuses a message of another chat (404) and a non-member (404)', async () => {
    const [a, b, c] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const inAb = await sendOk(socket, { receiverId: b.id, content: 'ab' });
    const inAc = await sendOk(socket, { receiverId: c.id, content: 'ac' });
    const wrongChat = await t.http.post(
      `/api/chats/${inAb.chatId}/read`,
      { messageId: inAc.id },
      b.accessToken,
    );
    expect(wrongChat.status).toBe(404);
    expect(wrongChat.body.code).toBe('MESSAGE_NOT_FOUND');
    const outsider = await t.http.post(
      `/api/chats/${inAb.chatId}/read`,
      { messageId: inAb.id },
      c.accessToken,
    );
    expect(outsider.status).toBe(404);
    expect(outsider.body.code).toBe('CHAT_NOT_FOUND');
  });
});
