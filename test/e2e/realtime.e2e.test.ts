import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../../src/contract/events.js';
import { TYPING_TIMEOUT_MS } from '../../src/realtime/typing.service.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, closeAll, emitAck, Inbox, sendOk, settle } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { type TestSuite, useTestApp } from '../support/use-test-app.js';

// Time is the app's manual clock: the grace period passes when a test says so, never by itself.
const GRACE_MS = 5000;
const t = useTestApp({ env: { PRESENCE_GRACE_MS: String(GRACE_MS), TYPING_RATE_LIMIT: '10/1h' } });

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<any> =>
  emitAck(socket, event, payload);

describe('read receipts', () => {
  it('reach the sender and the reader’s other device, leave every device at 0 unread, and never move back', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const [b1, b2] = [await t.online(b), await t.online(b)];
    const atSender = new Inbox(sa, 'chat:message_read');
    const atOtherDevice = new Inbox(b2, 'chat:message_read');
    const atReader = new Inbox(b1, 'chat:message_read');
    const m1 = await sendOk(sa, { receiverId: b.id, content: '1' });
    const m2 = await sendOk(sa, { receiverId: b.id, content: '2' });
    expect((await t.http.get('/api/chats', b.accessToken)).body.items[0].unreadCount).toBe(2);

    const ack = await emit(b1, 'chat:message_read', { chatId: m2.chatId, messageId: m2.id });
    const expected = {
      chatId: m2.chatId,
      userId: b.id,
      messageId: m2.id,
      seq: 2,
      readAt: expect.any(String),
    };
    expect(ack).toEqual({ ok: true, receipt: expected, unreadCount: 0 });
    expect(await atSender.waitFor(1)).toEqual([expected]);
    expect(await atOtherDevice.waitFor(1)).toEqual([expected]);
    expect((await t.http.get('/api/chats', b.accessToken)).body.items[0]).toMatchObject({
      unreadCount: 0,
      readSeq: 2,
    });
    expect((await t.http.get('/api/chats', a.accessToken)).body.items[0]).toMatchObject({ peerReadSeq: 2 });

    // Reading an older message does not move the mark back, and tells nobody anything.
    const back = await emit(b2, 'chat:message_read', { chatId: m1.chatId, messageId: m1.id });
    expect(back).toEqual({ ok: true, receipt: { ...expected, readAt: expect.any(String) }, unreadCount: 0 });
    await Promise.all([settle(sa), settle(b1), settle(b2)]);
    expect(atSender.items).toHaveLength(1);
    expect(atReader.items).toEqual([]);
  });

  it('over REST too, reaching every device of the reader and the sender', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const b1 = await t.online(b);
    const [atSender, atReader] = [new Inbox(sa, 'chat:message_read'), new Inbox(b1, 'chat:message_read')];
    const m = await sendOk(sa, { receiverId: b.id, content: 'rest read' });
    const res = await t.http.post(`/api/chats/${m.chatId}/read`, { messageId: m.id }, b.accessToken);
    expect(res.body).toMatchObject({ seq: 1, unreadCount: 0 });
    expect((await atSender.waitFor(1))[0]).toMatchObject({ userId: b.id, seq: 1 });
    expect((await atReader.waitFor(1))[0]).toMatchObject({ userId: b.id, seq: 1 });
  });

  it('refuses a chat that is not yours and a message of another chat', async () => {
    const [a, b, c] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const sc = await t.online(c);
    const ab = await sendOk(sa, { receiverId: b.id, content: 'ab' });
    const ac = await sendOk(sa, { receiverId: c.id, content: 'ac' });
    expect(await emit(sc, 'chat:message_read', { chatId: ab.chatId, messageId: ab.id })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(await emit(sc, 'chat:message_read', { chatId: ac.chatId, messageId: ab.id })).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_NOT_FOUND' },
    });
    expect(await emit(sc, 'chat:message_read', { chatId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });
});

describe('delivered receipts', () => {
  it('reach the sender’s devices, once, when a receiving device confirms', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [a1, a2] = [await t.online(a), await t.online(a)];
    const sb = await t.online(b);
    const [d1, d2] = [new Inbox(a1, 'chat:message_delivered'), new Inbox(a2, 'chat:message_delivered')];
    const atReceiver = new Inbox(sb, 'chat:message_delivered');
    const m = await sendOk(a1, { receiverId: b.id, content: 'did you get it?' });

    const ack = await emit(sb, 'chat:message_delivered', { chatId: m.chatId, messageId: m.id });
    const expected = {
      chatId: m.chatId,
      userId: b.id,
      messageId: m.id,
      seq: 1,
      deliveredAt: expect.any(String),
    };
    expect(ack).toEqual({ ok: true, receipt: expected });
    expect(await d1.waitFor(1)).toEqual([expected]);
    expect(await d2.waitFor(1)).toEqual([expected]);
    // A second device confirming the same message changes nothing.
    await emit(sb, 'chat:message_delivered', { chatId: m.chatId, messageId: m.id });
    await Promise.all([settle(a1), settle(sb)]);
    expect(d1.items).toHaveLength(1);
    expect(atReceiver.items).toEqual([]);
    expect((await t.http.get('/api/chats', a.accessToken)).body.items[0]).toMatchObject({
      peerDeliveredSeq: 1,
    });
  });
});

describe('typing', () => {
  it('goes to the peer’s devices and stops by itself when not refreshed', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const [b1, b2] = [await t.online(b), await t.online(b)];
    const m = await sendOk(sa, { receiverId: b.id, content: 'hi' });
    const [t1, t2] = [new Inbox(b1, 'chat:typing'), new Inbox(b2, 'chat:typing')];
    const atTypist = new Inbox(sa, 'chat:typing');

    expect(await emit(sa, 'chat:typing', { chatId: m.chatId, isTyping: true })).toEqual({ ok: true });
    // A refresh while typing is not repeated to the peer, and pushes the end back.
    t.app.clock.advance(TYPING_TIMEOUT_MS - 1);
    await emit(sa, 'chat:typing', { receiverId: b.id, isTyping: true });
    t.app.clock.advance(TYPING_TIMEOUT_MS - 1);
    await settle(b1);
    expect(t1.items).toHaveLength(1);
    t.app.clock.advance(1);
    const events = await t1.waitFor(2);
    expect(events).toEqual([
      { chatId: m.chatId, userId: a.id, isTyping: true },
      { chatId: m.chatId, userId: a.id, isTyping: false },
    ]);
    expect(await t2.waitFor(2)).toEqual(events);
    expect(atTypist.items).toEqual([]);
  });

  it('stops at once on isTyping false, and is rate limited', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const sb = await t.online(b);
    await sendOk(sa, { receiverId: b.id, content: 'hi' });
    const typing = new Inbox(sb, 'chat:typing');
    await emit(sa, 'chat:typing', { receiverId: b.id, isTyping: true });
    await emit(sa, 'chat:typing', { receiverId: b.id, isTyping: false });
    expect((await typing.waitFor(2)).map((e) => e.isTyping)).toEqual([true, false]);
    // TYPING_RATE_LIMIT=10/1h for this app: two were spent above, eight more pass, the ninth is refused.
    const results = [];
    for (let i = 0; i < 9; i++)
      results.push(await emit(sa, 'chat:typing', { receiverId: b.id, isTyping: false }));
    expect(results.slice(0, 8).every((r) => r.ok)).toBe(true);
    expect(results.at(-1)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('refuses typing in a chat that does not exist or is not yours', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    expect(await emit(sa, 'chat:typing', { receiverId: b.id, isTyping: true })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(await emit(sa, 'chat:typing', { isTyping: true })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });
});

/**
 * Makes a and b correspondents (each has written to the other), so each may see the other's presence,
 * and lets the grace period pass so both are offline again before the test starts watching.
 */
async function correspondents(suite: Pick<TestSuite, 'http' | 'online'> & { app: TestApp }) {
  const [a, b] = [await createUser(suite.http), await createUser(suite.http)];
  return [a, b, ...(await exchange(suite, a, b))] as const;
}

async function exchange(suite: Pick<TestSuite, 'online'> & { app: TestApp }, a: TestUser, b: TestUser) {
  const [sa, sb] = [await suite.online(a), await suite.online(b)];
  const gone = new Inbox(sb, 'presence:update');
  await sendOk(sa, { receiverId: b.id, content: 'hello' });
  await sendOk(sb, { receiverId: a.id, content: 'hello back' });
  await leave(suite.app, sa);
  // a's presence showed to b at a's first message; now a is gone.
  expect((await gone.waitFor(2)).map((e) => e.online)).toEqual([true, false]);
  await leave(suite.app, sb);
  return [] as const;
}

/** Closes a user's last socket and lets the grace period pass once the app has heard of the close. */
async function leave(app: TestApp, socket: ClientSocket): Promise<void> {
  const graceStarted = app.clock.nextTimer(GRACE_MS);
  socket.close();
  await graceStarted;
  app.clock.advance(GRACE_MS);
}

describe('presence', () => {
  it('two devices of one user make one online and one offline event for a peer', async () => {
    const [a, b] = await correspondents(t);
    const watcher = await t.online(b);
    const updates = new Inbox(watcher, 'presence:update');
    const d1 = await t.online(a);
    const [online1] = await updates.waitFor(1);
    const d2 = await t.online(a);
    d1.close();
    await settle(watcher);
    const graceStarted = t.app.clock.nextTimer(GRACE_MS);
    d2.close();
    await graceStarted;
    // The last device left: nothing happens until the grace period has passed.
    await settle(watcher);
    expect(updates.items).toHaveLength(1);
    t.app.clock.advance(GRACE_MS);
    const events = (await updates.waitFor(2)).filter((e) => e.userId === a.id);
    expect(events).toEqual([
      { userId: a.id, online: true, lastSeenAt: expect.any(String) },
      { userId: a.id, online: false, lastSeenAt: expect.any(String) },
    ]);
    expect(online1).toEqual(events[0]);
    const presence = await t.http.get(`/api/users/${a.id}/presence`, b.accessToken);
    expect(presence.body).toEqual({ userId: a.id, online: false, lastSeenAt: events[1]!.lastSeenAt });
  });

  it('a reconnect within the grace period is not seen by peers', async () => {
    const [a, b] = await correspondents(t);
    const watcher = await t.online(b);
    const updates = new Inbox(watcher, 'presence:update');
    const first = await t.online(a);
    await updates.waitFor(1);
    const graceStarted = t.app.clock.nextTimer(GRACE_MS);
    first.close();
    await graceStarted;
    t.app.clock.advance(GRACE_MS - 1);
    const again = await t.online(a);
    t.app.clock.advance(GRACE_MS);
    await settle(watcher);
    expect(updates.items.map((e) => [e.userId, e.online])).toEqual([[a.id, true]]);
    expect(again.connected).toBe(true);
    expect((await t.http.get(`/api/users/${a.id}/presence`, b.accessToken)).body.online).toBe(true);
  });

  it('shows only to yourself and to the people you have written to', async () => {
    const [a, b, stranger] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const presenceOf = async (of: TestUser, viewer: TestUser) =>
      (await t.http.get(`/api/users/${of.id}/presence`, viewer.accessToken)).status;
    // Opening a chat with someone shows nothing of them, and nothing of you.
    expect((await t.http.post('/api/chats/direct', { userId: b.id }, a.accessToken)).status).toBe(201);
    expect([await presenceOf(b, a), await presenceOf(a, b)]).toEqual([404, 404]);
    expect(await presenceOf(a, a)).toBe(200);
    // a writes to b: b now sees a; a sees b only once b answers.
    const sa = await t.online(a);
    await sendOk(sa, { receiverId: b.id, content: 'hi' });
    expect([await presenceOf(a, b), await presenceOf(b, a)]).toEqual([200, 404]);
    const sb = await t.online(b);
    await sendOk(sb, { receiverId: a.id, content: 'hi yourself' });
    expect(await presenceOf(b, a)).toBe(200);
    const hidden = await t.http.get(`/api/users/${a.id}/presence`, stranger.accessToken);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('USER_NOT_FOUND');
  });

  it('writing to someone for the first time shows them your presence at once', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sb = await t.online(b);
    const updates = new Inbox(sb, 'presence:update');
    const sa = await t.online(a);
    await settle(sb);
    expect(updates.items).toEqual([]);
    await sendOk(sa, { receiverId: b.id, content: 'hello, stranger' });
    expect(await updates.waitFor(1)).toEqual([
      { userId: a.id, online: true, lastSeenAt: expect.any(String) },
    ]);
    // Only the first message does it.
    await sendOk(sa, { receiverId: b.id, content: 'me again' });
    await settle(sb);
    expect(updates.items).toHaveLength(1);
  });

  it('a peer that has not written to you gets no presence events of theirs', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sb = await t.online(b);
    const updates = new Inbox(sb, 'presence:update');
    // a writes to b (b sees a); b never writes to a, so a hears nothing of b.
    const sa = await t.online(a);
    const atA = new Inbox(sa, 'presence:update');
    await sendOk(sa, { receiverId: b.id, content: 'one-way' });
    await leave(t.app, sb);
    // a's own reconnect is announced to b's devices (none now) but a's socket hears nothing of b.
    const c = await createUser(t.http);
    await exchangeWith(a, c);
    await settle(sa);
    expect(atA.items.filter((e) => e.userId === b.id)).toEqual([]);
    expect(updates.items.filter((e) => e.userId === a.id)).toEqual([]);
  });
});

// c writes to a while a is connected: a's socket hears c's presence, proof that presence events reach a
// at all.
async function exchangeWith(a: TestUser, c: TestUser) {
  const sc = await t.online(c);
  const sa = await t.online(a);
  const heard = new Inbox(sa, 'presence:update');
  await sendOk(sc, { receiverId: a.id, content: 'from c' });
  await leave(t.app, sc);
  expect((await heard.waitFor(2)).map((e) => [e.userId, e.online])).toEqual([
    [c.id, true],
    [c.id, false],
  ]);
  sa.close();
}

describe('presence across a restart', () => {
  it('does not flap users who reconnect, and sweeps offline those who do not', async () => {
    const env = { PRESENCE_GRACE_MS: String(GRACE_MS) };
    const first = await startTestApp({ env });
    const h1 = new HttpClient(first.baseUrl);
    const on1 = { app: first, online: (u: TestUser) => t.online(u, { baseUrl: first.baseUrl }) };
    const [a, b] = await correspondents({ ...on1, http: h1 });
    const c = await createUser(h1);
    await exchange(on1, c, b);
    const before = [
      await t.online(b, { baseUrl: first.baseUrl }),
      await t.online(a, { baseUrl: first.baseUrl }),
      await t.online(c, { baseUrl: first.baseUrl }),
    ];
    await settle(before[0]!);
    await first.close({ keepData: true });
    closeAll(...before);

    const second = await startTestApp({ dataDir: first.dataDir, env });
    try {
      const watcher = await t.online(b, { baseUrl: second.baseUrl });
      const updates = new Inbox(watcher, 'presence:update');
      await t.online(a, { baseUrl: second.baseUrl });
      await settle(watcher);
      // c never comes back: once the grace period has passed, c alone is announced offline.
      second.clock.advance(GRACE_MS);
      const [event] = await updates.waitFor(1);
      expect(event).toEqual<PresenceEvent>({ userId: c.id, online: false, lastSeenAt: expect.any(String) });
      await settle(watcher);
      expect(updates.items).toHaveLength(1);
      const h2 = new HttpClient(second.baseUrl);
      expect((await h2.get(`/api/users/${a.id}/presence`, b.accessToken)).body.online).toBe(true);
    } finally {
      await second.close();
    }
  });
});
