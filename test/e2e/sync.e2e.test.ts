import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/chat/message.types.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, closeAll, connect, Inbox, sendOk } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let app: TestApp;
let http: HttpClient;
const open: ClientSocket[] = [];

beforeAll(async () => {
  app = await startTestApp();
  http = new HttpClient(app.baseUrl);
});
afterAll(async () => {
  closeAll(...open);
  await app.close();
});

async function online(user: TestUser): Promise<ClientSocket> {
  const socket = await connect(app.baseUrl, { token: user.accessToken });
  open.push(socket);
  return socket;
}

/** Follows hasMore to the end of one round; returns the messages and the token to keep. */
async function syncAll(user: TestUser, since: string | undefined, limit: number) {
  const messages: MessageView[] = [];
  let token = since;
  let pages = 0;
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit), ...(token ? { since: token } : {}) });
    const res = await http.get(`/api/sync?${query}`, user.accessToken);
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
    const [a, b, c] = [await createUser(http), await createUser(http), await createUser(http)];
    const [sa, sc] = [await online(a), await online(c)];
    const receiver = await online(b);
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
    const [a, b] = [await createUser(http), await createUser(http)];
    const sent = await sendMany(await online(a), b.id, 5, 'x');
    const first = await syncAll(b, undefined, 500);
    expect(first.messages.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    const again = await syncAll(b, first.token, 500);
    expect(again.messages).toEqual([]);
  });

  it('misses nothing and repeats nothing while messages keep arriving between and during rounds', async () => {
    const [a, b] = [await createUser(http), await createUser(http)];
    const sa = await online(a);
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
    const [a, b, outsider] = [await createUser(http), await createUser(http), await createUser(http)];
    await sendMany(await online(a), b.id, 3, 'p');
    expect((await syncAll(outsider, undefined, 100)).messages).toEqual([]);
  });

  it('refuses a token it did not give out', async () => {
    const a = await createUser(http);
    for (const since of ['garbage', Buffer.from('1:1:|x|y|z').toString('base64url')]) {
      const res = await http.get(`/api/sync?since=${since}`, a.accessToken);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await http.get('/api/sync')).status).toBe(401);
  });

  it('the live stream and sync agree: what a connected client received is what sync returns', async () => {
    const [a, b] = [await createUser(http), await createUser(http)];
    const sb = await online(b);
    const inbox = new Inbox(sb, 'chat:message_receive');
    const { token } = await syncAll(b, undefined, 100);
    await sendMany(await online(a), b.id, 20, 'z');
    const live = await inbox.waitFor(20);
    expect((await syncAll(b, token, 100)).messages).toEqual(live);
  });
});

describe('connection-state recovery (a speed-up, not the guarantee)', () => {
  it('replays what a socket missed during a short drop, and says so', async () => {
    const [a, b] = [await createUser(http), await createUser(http)];
    const sa = await online(a);
    const sb: ClientSocket = io(`${app.baseUrl}/chat`, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: b.accessToken },
      reconnectionDelay: 50,
    });
    open.push(sb);
    await new Promise<void>((resolve) => sb.once('connect', () => resolve()));
    const inbox = new Inbox(sb, 'chat:message_receive');
    // Recovery resumes from the offset of the last packet received, so there must be one.
    const before = await sendOk(sa, { receiverId: b.id, content: 'before the drop' });
    await inbox.waitFor(1);
    const dropped = new Promise<void>((resolve) => sb.once('disconnect', () => resolve()));
    sb.io.engine.close();
    await dropped;
    const missed = await sendOk(sa, { receiverId: b.id, content: 'while you were away' });
    await new Promise<void>((resolve) => sb.once('connect', () => resolve()));
    expect(sb.recovered).toBe(true);
    expect(await inbox.waitFor(2)).toEqual([before, missed]);
  });
});
