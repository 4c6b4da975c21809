import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { type ClientSocket, Inbox, sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

/** Follows hasMore to the end of one round; returns the messages and the token to keep. */
async function syncAll(user: TestUser, since: string | undefined, limit: number) {
  const messages: MessageView[] = [];
  let token = since;
  let pages = 0;
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit), ...(token ? { since: token } : {}) });
    const res = await t.http.get(`/api/sync?${query}`, user.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    messages.push(...res.body.messages);
    token = res.body.token;
    pages += 1;
    if (!res.body.hasMore) return { messages, token: token!, pages };
  }
}

async function sendMany(socket: ClientSocket, receiverId: string, count: number, prefix: string) {
  const sent: MessageView[] = [];
  for (let i = 0; i < count; i += 10) {
    const chunk = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      sendOk(socket, { receiverId, content: `${prefix}${i + j}` }),
    );
    sent.push(...(await Promise.all(chunk)));
  }
  return sent;
}

describe('GET /api/sync', () => {
  it('gives a receiver who was away for 200 messages all of them, once each, in per-chat seq order', async () => {
    const [a, b, c] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const [sa, sc] = [await t.online(a), await t.online(c)];
    const receiver = await t.online(b);
    const { token } = await syncAll(b, undefined, 100);
    receiver.close();

    const [fromA, fromC] = await Promise.all([sendMany(sa, b.id, 200, 'a'), sendMany(sc, b.id, 30, 'c')]);
    const { messages, pages } = await syncAll(b, token, 64);

    expect(pages).toBe(Math.ceil(230 / 64));
    expect(messages).toHaveLength(230);
    expect(new Set(messages.map((m) => m.id)).size).toBe(230);
    const byChat = (chatId: string) => messages.filter((m) => m.chatId === chatId);
    expect(byChat(fromA[0]!.chatId).map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(byChat(fromA[0]!.chatId).map((m) => m.content)).toEqual(
      Array.from({ length: 200 }, (_, i) => `a${i}`),
    );
    expect(byChat(fromC[0]!.chatId)).toHaveLength(30);
    // The messages are exactly what the senders were acknowledged.
    expect(new Set(messages.map((m) => m.id))).toEqual(new Set([...fromA, ...fromC].map((m) => m.id)));
    expect(messages.find((m) => m.id === fromA[7]!.id)).toEqual(fromA[7]);
  });

  it('starts from the beginning without a token, and then has nothing new', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sent = await sendMany(await t.online(a), b.id, 5, 'x');
    const first = await syncAll(b, undefined, 500);
    expect(first.messages.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    const again = await syncAll(b, first.token, 500);
    expect(again.messages).toEqual([]);
  });

  it('misses nothing and repeats nothing while messages keep arriving between and during rounds', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sa = await t.online(a);
    const seen: MessageView[] = [];
    let token: string | undefined;
    const sending = sendMany(sa, b.id, 150, 'live');
    let done = false;
    void sending.then(() => {
      done = true;
    });
    // Sync in small pages, repeatedly, while the sender is still going; then once more after.
    while (!done) {
      const round = await syncAll(b, token, 7);
      seen.push(...round.messages);
      token = round.token;
    }
    const sent = await sending;
    const last = await syncAll(b, token, 7);
    seen.push(...last.messages);
    expect(seen.map((m) => m.id).sort()).toEqual(sent.map((m) => m.id).sort());
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });

  it('only returns the caller’s chats', async () => {
    const [a, b, outsider] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    await sendMany(await t.online(a), b.id, 3, 'p');
    expect((await syncAll(outsider, undefined, 100)).messages).toEqual([]);
  });

  it('refuses a token it did not give out', async () => {
    const a = await createUser(t.http);
    for (const since of ['garbage', Buffer.from('1:1:|x|y|z').toString('base64url')]) {
      const res = await t.http.get(`/api/sync?since=${since}`, a.accessToken);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await t.http.get('/api/sync')).status).toBe(401);
  });

  it('the live stream and sync agree: what a connected client received is what sync returns', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const sb = await t.online(b);
    const inbox = new Inbox(sb, 'chat:message_receive');
    const { token } = await syncAll(b, undefined, 100);
    await sendMany(await t.online(a), b.id, 20, 'z');
    const live = await inbox.waitFor(20);
    expect((await syncAll(b, token, 100)).messages).toEqual(live);
  });
});

describe('connection-state recovery (a speed-up, not the guarantee)', () => {
  // Off by default; this app turns it on.
  const r = useTestApp({ env: { CONNECTION_RECOVERY_SECONDS: '10' } });

  async function dropAndRecover(socket: ClientSocket, whileAway: () => Promise<void>): Promise<void> {
    const dropped = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    socket.io.engine.close();
    await dropped;
    await whileAway();
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  }

  function recoverableSocket(user: TestUser): Promise<ClientSocket> {
    const socket: ClientSocket = io(`${r.app.baseUrl}/chat`, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: user.accessToken },
      reconnectionDelay: 50,
    });
    r.track(socket);
    return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
  }

  it('replays events that travel through the Socket.IO adapter (receipts), with or without Redis', async () => {
    const [a, b] = [await createUser(r.http), await createUser(r.http)];
    const [sa, sb] = [await r.online(a), await recoverableSocket(b)];
    const receipts = new Inbox(sb, 'chat:message_read');
    const m1 = await sendOk(sb, { receiverId: a.id, content: 'one' });
    const m2 = await sendOk(sb, { receiverId: a.id, content: 'two' });
    // Recovery resumes from the offset of the last packet received, so there must be one.
    await r.http.post(`/api/chats/${m1.chatId}/read`, { messageId: m1.id }, a.accessToken);
    await receipts.waitFor(1);
    await dropAndRecover(sb, async () => {
      await r.http.post(`/api/chats/${m2.chatId}/read`, { messageId: m2.id }, a.accessToken);
    });
    expect(sb.recovered).toBe(true);
    expect((await receipts.waitFor(2)).map((r) => r.seq)).toEqual([1, 2]);
    expect(sa.connected).toBe(true);
  });

  // With Redis, messages go to sockets directly rather than through the adapter, and sync recovers them.
  it.skipIf(Boolean(process.env.REDIS_URL))(
    'replays a message missed during a short drop (in-memory mode)',
    async () => {
      const [a, b] = [await createUser(r.http), await createUser(r.http)];
      const [sa, sb] = [await r.online(a), await recoverableSocket(b)];
      const inbox = new Inbox(sb, 'chat:message_receive');
      const before = await sendOk(sa, { receiverId: b.id, content: 'before the drop' });
      await inbox.waitFor(1);
      let missed: MessageView | undefined;
      await dropAndRecover(sb, async () => {
        missed = await sendOk(sa, { receiverId: b.id, content: 'while you were away' });
      });
      expect(sb.recovered).toBe(true);
      expect(await inbox.waitFor(2)).toEqual([before, missed]);
    },
  );
});

it('is off by default: a dropped socket reconnects unrecovered, and sync brings what it missed', async () => {
  const [a, b] = [await createUser(t.http), await createUser(t.http)];
  const { token } = await syncAll(b, undefined, 100);
  const socket: ClientSocket = t.track(
    io(`${t.app.baseUrl}/chat`, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: b.accessToken },
      reconnectionDelay: 50,
    }),
  );
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const dropped = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
  socket.io.engine.close();
  await dropped;
  // Listening before anything else: the reconnect may land while the message below is being sent.
  const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const missed = await sendOk(await t.online(a), { receiverId: b.id, content: 'while you were away' });
  await reconnected;
  expect(socket.recovered).toBeFalsy(); // undefined: the server offered no session to recover
  expect((await syncAll(b, token, 100)).messages).toEqual([missed]);
});
