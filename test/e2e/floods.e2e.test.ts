import { describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '../support/factories.js';
import { emitAck, Inbox, sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// Every per-user budget at 3 per hour: a window no test outlasts, so counts are exact.
const BUDGET = 3;
const t = useTestApp({
  env: Object.fromEntries(
    ['RECEIPT', 'TYPING', 'SYNC', 'HISTORY', 'SEARCH', 'UPLOAD', 'API'].map((name) => [
      `${name}_RATE_LIMIT`,
      `${BUDGET}/1h`,
    ]),
  ),
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
type Ack = any;

/** A pair that has a chat with one message from a to b. */
async function chatting(): Promise<{ a: TestUser; b: TestUser; chatId: string; messageId: string }> {
  const [a, b] = [await createUser(t.http), await createUser(t.http)];
  const m = await sendOk(await t.online(a), { receiverId: b.id, content: 'hi' });
  return { a, b, chatId: m.chatId, messageId: m.id };
}

describe('every event and route that costs the database has a per-user limit', () => {
  const socketEvents: [string, (c: Awaited<ReturnType<typeof chatting>>) => [string, unknown]][] = [
    ['chat:message_read', (c) => ['chat:message_read', { chatId: c.chatId, messageId: c.messageId }]],
    [
      'chat:message_delivered',
      (c) => ['chat:message_delivered', { chatId: c.chatId, messageId: c.messageId }],
    ],
    ['chat:typing', (c) => ['chat:typing', { chatId: c.chatId, isTyping: false }]],
  ];
  it.each(socketEvents)('%s', async (_, eventOf) => {
    const c = await chatting();
    const socket = await t.online(c.b);
    const [event, payload] = eventOf(c);
    const acks: Ack[] = [];
    for (let i = 0; i <= BUDGET; i++) acks.push(await emitAck(socket, event, payload));
    expect(acks.slice(0, BUDGET).every((ack) => ack.ok)).toBe(true);
    expect(acks[BUDGET]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  const routes: [string, string, (c: Awaited<ReturnType<typeof chatting>>) => string, unknown?][] = [
    ['sync', 'GET', () => '/api/sync'],
    ['history', 'GET', (c) => `/api/chats/${c.chatId}/messages`],
    ['chat list', 'GET', () => '/api/chats'],
    ['search', 'GET', () => '/api/users?q=someone'],
    ['read over REST', 'POST', (c) => `/api/chats/${c.chatId}/read`, 'message'],
    ['profile', 'GET', () => '/api/users/me'],
    ['presence', 'GET', (c) => `/api/users/${c.a.id}/presence`],
  ];
  it.each(routes)('%s', async (_, method, pathOf, body) => {
    const c = await chatting();
    const statuses: number[] = [];
    for (let i = 0; i <= BUDGET; i++) {
      const res = await t.http.request(method, pathOf(c), {
        token: c.b.accessToken,
        body: body ? { messageId: c.messageId } : undefined,
      });
      statuses.push(res.status);
      if (i === BUDGET) {
        expect(res.body).toMatchObject({ code: 'RATE_LIMITED' });
      }
    }
    expect(statuses.slice(0, BUDGET).every((s) => s < 400)).toBe(true);
    expect(statuses[BUDGET]).toBe(429);
  });

  it('uploads', async () => {
    const a = await createUser(t.http);
    const statuses: number[] = [];
    for (let i = 0; i <= BUDGET; i++) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(8)]), 'x.bin');
      const res = await fetch(`${t.app.baseUrl}/api/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.accessToken}` },
        body: form,
      });
      statuses.push(res.status);
    }
    // Refused uploads count too: the budget is for attempts, which cost the service either way.
    expect(statuses.slice(0, BUDGET)).toEqual([415, 415, 415]);
    expect(statuses[BUDGET]).toBe(429);
  });
});

describe('one user’s flood does not hold up another user’s messages', () => {
  it('10,000 read receipts are refused from memory, and a message sent meanwhile goes through', async () => {
    const c = await chatting();
    const flooder = await t.online(c.b);
    const [x, y] = [await createUser(t.http), await createUser(t.http)];
    const [other, receiver] = [await t.online(x), await t.online(y)];
    const received = new Inbox(receiver, 'chat:message_receive');
    await sendOk(other, { receiverId: y.id, content: 'warm up' });

    let refused = 0;
    const flood = Array.from({ length: 10_000 }, () =>
      emitAck(flooder, 'chat:message_read', { chatId: c.chatId, messageId: c.messageId }).then((ack: Ack) => {
        if (!ack.ok && ack.error.code === 'RATE_LIMITED') refused += 1;
      }),
    );
    const message = await sendOk(other, { receiverId: y.id, content: 'through the flood' });
    await Promise.all(flood);
    expect(message.seq).toBe(2);
    expect((await received.waitFor(2)).map((m) => m.content)).toEqual(['warm up', 'through the flood']);
    expect(refused).toBe(10_000 - BUDGET);
  });
});
