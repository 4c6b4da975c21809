import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { Manager } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser } from '../support/factories.js';
import { counterValue } from '../support/metrics.js';
import { type ClientSocket, connect, Inbox, refusal, send, sendOk, settle } from '../support/socket.js';
import { testSecret } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

// The seed document's example, verbatim.
const SEED_PAYLOAD = {
  content: 'Hey Emil! How are you doing today?',
  mediaUrl: 'https://www.youtube.com/watch?v=XOgZo66gKQA&list=RDXOgZo66gKQA&start_radio=1',
  LiveMediaType: 'VIDEO' as const,
};

describe('handshake', () => {
  it.each(['auth', 'header', 'query'] as const)('accepts a valid token from %s', async (via) => {
    const user = await createUser(t.http);
    const socket = await t.online(user, { via });
    expect(socket.connected).toBe(true);
  });

  const leaves = 'chat_socket_disconnects_total{reason="client namespace disconnect"}';
  /** Leaves /chat, and returns once the server has counted the leave. */
  const leave = async (chat: ClientSocket) => {
    const before = await counterValue(t.app.baseUrl, leaves);
    chat.disconnect();
    await expect.poll(() => counterValue(t.app.baseUrl, leaves)).toBe(before + 1);
  };
  it.each(['header', 'query'] as const)(
    'accepts a token from %s again when /chat is joined a second time over the same connection',
    async (via) => {
      const user = await createUser(t.http);
      const token = user.accessToken;
      const manager = new Manager(t.app.baseUrl, {
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: via === 'header' ? { authorization: `Bearer ${token}` } : {},
        query: via === 'query' ? { token } : {},
      });
      const joined = (socket: ClientSocket) =>
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
      const chat = manager.socket('/chat') as ClientSocket;
      // The main namespace keeps the connection open while /chat leaves and joins again.
      const main = manager.socket('/') as unknown as ClientSocket;
      try {
        await Promise.all([joined(chat), joined(main)]);
        const connection = manager.engine.id;
        // Socket.IO refuses a join decoded in the same read as the leave it follows: wait until the
        // server has counted the leave.
        await leave(chat);
        const again = joined(chat);
        chat.connect();
        await again;
        expect(manager.engine.id).toBe(connection);
        const peer = await createUser(t.http);
        expect((await sendOk(chat, { receiverId: peer.id, content: 'again' })).content).toBe('again');
      } finally {
        // The next case counts leaves too: this one's is counted before it starts.
        if (chat.connected) await leave(chat);
        chat.disconnect();
        main.disconnect();
      }
    },
  );

  it('refuses a missing, forged or expired token with connect_error "unauthorized"', async () => {
    const user = await createUser(t.http);
    const expired = await new SignJWT({ sid: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('live-chat')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(testSecret));
    const forged = await new SignJWT({ sid: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('live-chat')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(48)));
    expect(await refusal(t.app.baseUrl, {})).toBe('unauthorized');
    expect(await refusal(t.app.baseUrl, { token: 'garbage' })).toBe('unauthorized');
    expect(await refusal(t.app.baseUrl, { token: forged })).toBe('unauthorized');
    expect(await refusal(t.app.baseUrl, { token: expired })).toBe('unauthorized');
  });

  it('works over the polling transport too', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await connect(t.app.baseUrl, { token: a.accessToken, transport: 'polling' });
    t.track(socket);
    const message = await sendOk(socket, { receiverId: b.id, content: 'over polling' });
    expect(message.content).toBe('over polling');
  });
});

describe('chat:message_send', () => {
  it("delivers the seed's example both ways with every field, and acks the same message", async () => {
    const sender = await createUser(t.http, { name: 'ss joy' });
    const receiver = await createUser(t.http, { name: 'Emil' });
    const [s, r] = [await t.online(sender), await t.online(receiver)];
    const [sInbox, rInbox] = [new Inbox(s, 'chat:message_receive'), new Inbox(r, 'chat:message_receive')];

    const ack = await send(s, { receiverId: receiver.id, ...SEED_PAYLOAD });
    expect(ack.ok).toBe(true);
    const expected: MessageView = {
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      chatId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      content: SEED_PAYLOAD.content,
      mediaUrl: SEED_PAYLOAD.mediaUrl,
      mediaType: 'VIDEO',
      sender: { id: sender.id, name: 'ss joy', avatar: null },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      seq: 1,
      clientMessageId: null,
      replyTo: null,
      editedAt: null,
      deletedAt: null,
      reactions: [],
      kind: 'user',
      event: null,
    };
    const [received] = await rInbox.waitFor(1);
    expect(received).toEqual(expected);
    expect((await sInbox.waitFor(1))[0]).toEqual(received);
    expect(ack.ok && ack.message).toEqual(received);

    const reply = await sendOk(r, { receiverId: sender.id, ...SEED_PAYLOAD, content: 'Fine, thanks!' });
    const [, back] = await sInbox.waitFor(2);
    expect(back).toEqual({
      ...expected,
      id: reply.id,
      chatId: received!.chatId,
      content: 'Fine, thanks!',
      sender: { id: receiver.id, name: 'Emil', avatar: null },
      seq: 2,
    });
  });

  it("reaches every device of sender and receiver, and nobody else's", async () => {
    const [a, b, c] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const sockets = [await t.online(a), await t.online(a), await t.online(b), await t.online(b)];
    const third = await t.online(c);
    const inboxes = sockets.map((s) => new Inbox(s, 'chat:message_receive'));
    const thirdInbox = new Inbox(third, 'chat:message_receive');

    const message = await sendOk(sockets[0]!, { receiverId: b.id, content: 'to all your devices' });
    for (const inbox of inboxes) expect(await inbox.waitFor(1)).toEqual([message]);
    await settle(third);
    expect(thirdInbox.items).toEqual([]);
  });

  it('takes the sender from the socket, never from the payload, and ignores unknown keys', async () => {
    const [a, b, c] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const message = await sendOk(socket, {
      receiverId: b.id,
      content: 'hi',
      senderId: c.id,
      sender: { id: c.id },
      extra: [1, 2, 3],
    } as never);
    expect(message.sender.id).toBe(a.id);
    expect(message).not.toHaveProperty('extra');
  });

  it('lets a user message themselves, delivered once per socket', async () => {
    const a = await createUser(t.http);
    const socket = await t.online(a);
    const inbox = new Inbox(socket, 'chat:message_receive');
    const message = await sendOk(socket, { receiverId: a.id, content: 'note to self' });
    await settle(socket);
    expect(inbox.items).toEqual([message]);
    const chats = await t.http.get('/api/chats', a.accessToken);
    expect(chats.body.items).toHaveLength(1);
    expect(chats.body.items[0].peer.id).toBe(a.id);
  });

  it('infers the media type from well-known extensions and hosts, else leaves it null', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const typeOf = async (mediaUrl: string) =>
      (await sendOk(socket, { receiverId: b.id, content: '', mediaUrl })).mediaType;
    expect(await typeOf('https://cdn.example.test/voice/note.MP3')).toBe('AUDIO');
    expect(await typeOf('https://cdn.example.test/clip.mp4?sig=1')).toBe('VIDEO');
    expect(await typeOf('https://youtu.be/XOgZo66gKQA')).toBe('VIDEO');
    expect(await typeOf('https://soundcloud.com/artist/track')).toBe('AUDIO');
    expect(await typeOf('https://cdn.example.test/either.webm')).toBeNull();
    expect(await typeOf('https://example.test/page')).toBeNull();
    // An explicit type wins over inference.
    const explicit = await sendOk(socket, {
      receiverId: b.id,
      content: 'listen',
      mediaUrl: 'https://cdn.example.test/clip.mp4',
      LiveMediaType: 'AUDIO',
    });
    expect(explicit.mediaType).toBe('AUDIO');
  });

  it('uses the changed name in messages sent after a profile change', async () => {
    const [a, b] = [await createUser(t.http, { name: 'Before' }), await createUser(t.http)];
    const socket = await t.online(a);
    expect((await sendOk(socket, { receiverId: b.id, content: '1' })).sender.name).toBe('Before');
    await t.http.patch('/api/users/me', { name: 'After', avatar: 'https://x.test/a.png' }, a.accessToken);
    const after = await sendOk(socket, { receiverId: b.id, content: '2' });
    expect(after.sender).toEqual({ id: a.id, name: 'After', avatar: 'https://x.test/a.png' });
  });
});

describe('history and offline receivers', () => {
  it('an offline receiver finds the message in the chat list and in history', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const message = await sendOk(socket, { receiverId: b.id, ...SEED_PAYLOAD });

    const chats = await t.http.get('/api/chats', b.accessToken);
    expect(chats.status).toBe(200);
    expect(chats.body).toEqual({
      items: [
        {
          id: message.chatId,
          type: 'DIRECT',
          peer: { id: a.id, name: a.name, avatar: null },
          title: null,
          avatar: null,
          memberCount: 2,
          role: null,
          historyVisibility: null,
          lastMessage: message,
          unreadCount: 1,
          readSeq: 0,
          // The sender's own mark moved past their message as they sent it.
          peerReadSeq: 1,
          peerDeliveredSeq: 0,
          notifications: { level: 'all', mutedUntil: null },
          updatedAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    const history = await t.http.get(`/api/chats/${message.chatId}/messages`, b.accessToken);
    expect(history.body).toEqual({ items: [message], nextCursor: null });
    // The sender's own message is not unread for the sender.
    expect((await t.http.get('/api/chats', a.accessToken)).body.items[0].unreadCount).toBe(0);
  });

  it('pages through 120 messages newest first with no gap and no repeat', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    // Several in flight at once, as a real client would send them: the writer batches them.
    const sent: MessageView[] = [];
    for (let round = 0; round < 12; round++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sendOk(socket, { receiverId: b.id, content: `m${round * 10 + i}` }),
        ),
      );
      sent.push(...batch);
    }
    const chatId = sent[0]!.chatId;
    expect([...new Set(sent.map((m) => m.seq))].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );

    const seen: MessageView[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=50&before=${cursor}` : '?limit=50';
      const page = await t.http.get(`/api/chats/${chatId}/messages${query}`, b.accessToken);
      expect(page.status).toBe(200);
      sizes.push(page.body.items.length);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    expect(new Set(seen.map((m) => m.id))).toEqual(new Set(sent.map((m) => m.id)));
    // Per sender, the order of sending is the order of seq.
    const bySeq = [...sent].sort((x, y) => x.seq - y.seq).map((m) => m.content);
    expect(bySeq).toEqual(Array.from({ length: 120 }, (_, i) => `m${i}`));
  });

  it('fills a gap with ?after=<seq> in ascending order', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    for (let i = 1; i <= 7; i++) await sendOk(socket, { receiverId: b.id, content: `n${i}` });
    const chatId = (await t.http.get('/api/chats', b.accessToken)).body.items[0].id;
    const page = await t.http.get(`/api/chats/${chatId}/messages?after=3&limit=2`, b.accessToken);
    expect(page.body.items.map((m: MessageView) => m.seq)).toEqual([4, 5]);
    expect(page.body.nextCursor).toBe('5');
    const rest = await t.http.get(`/api/chats/${chatId}/messages?after=5`, b.accessToken);
    expect(rest.body).toEqual({
      items: [expect.objectContaining({ seq: 6 }), expect.objectContaining({ seq: 7 })],
      nextCursor: null,
    });
  });
});

describe('one chat per pair, one message per clientMessageId', () => {
  it('concurrent first messages of a pair, from both sides, create one chat', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const messages = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => sendOk(sa, { receiverId: b.id, content: `a${i}` })),
      ...Array.from({ length: 5 }, (_, i) => sendOk(sb, { receiverId: a.id, content: `b${i}` })),
    ]);
    expect(new Set(messages.map((m) => m.chatId)).size).toBe(1);
    expect(new Set(messages.map((m) => m.seq)).size).toBe(10);
    const chats = await t.http.get('/api/chats', a.accessToken);
    expect(chats.body.items).toHaveLength(1);
  });

  it('stores a retried clientMessageId once, acks the original, and does not deliver it again', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const inbox = new Inbox(sb, 'chat:message_receive');
    const payload = { receiverId: b.id, content: 'exactly once', clientMessageId: 'retry-1' };
    const first = await sendOk(sa, payload);
    const retry = await sendOk(sa, payload);
    // Two copies in flight at the same moment land in one batch: still one message.
    const [c1, c2] = await Promise.all([
      sendOk(sa, { ...payload, clientMessageId: 'retry-2' }),
      sendOk(sa, { ...payload, clientMessageId: 'retry-2' }),
    ]);
    expect(first.clientMessageId).toBe('retry-1');
    expect(retry).toEqual(first);
    expect(c1).toEqual(c2);
    await settle(sb);
    expect(inbox.items.map((m) => m.clientMessageId)).toEqual(['retry-1', 'retry-2']);
    const history = await t.http.get(`/api/chats/${first.chatId}/messages`, b.accessToken);
    expect(history.body.items.map((m: MessageView) => m.clientMessageId)).toEqual(['retry-2', 'retry-1']);
    // The same clientMessageId from another sender is another message.
    const fromB = await sendOk(sb, { receiverId: a.id, content: 'mine', clientMessageId: 'retry-1' });
    expect(fromB.id).not.toBe(first.id);
    // So is the same clientMessageId from the same sender in another chat: the key is per sender and chat.
    const c = await createUser(t.http);
    const elsewhere = await sendOk(sa, { ...payload, receiverId: c.id });
    expect(elsewhere.id).not.toBe(first.id);
    expect(elsewhere.chatId).not.toBe(first.chatId);
    expect(await sendOk(sa, { ...payload, receiverId: c.id })).toEqual(elsewhere);
  });
});

describe('bad input', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: [string, (receiverId: string) => unknown, string][] = [
    ['a missing receiverId', () => ({ content: 'hi' }), 'VALIDATION_FAILED'],
    ['an invalid receiverId', () => ({ receiverId: 'not-a-uuid', content: 'hi' }), 'VALIDATION_FAILED'],
    ['an unknown receiver', () => ({ receiverId: randomUUID(), content: 'hi' }), 'USER_NOT_FOUND'],
    ['a numeric receiverId', () => ({ receiverId: 42, content: 'hi' }), 'VALIDATION_FAILED'],
    ['numeric content', (r) => ({ receiverId: r, content: 42 }), 'VALIDATION_FAILED'],
    ['object content', (r) => ({ receiverId: r, content: { text: 'hi' } }), 'VALIDATION_FAILED'],
    ['missing content', (r) => ({ receiverId: r }), 'VALIDATION_FAILED'],
    ['blank content without media', (r) => ({ receiverId: r, content: '   ' }), 'VALIDATION_FAILED'],
    ['content over 4000 characters', (r) => ({ receiverId: r, content: long(4001) }), 'VALIDATION_FAILED'],
    ['content with a NUL', (r) => ({ receiverId: r, content: 'a\u0000b' }), 'VALIDATION_FAILED'],
    [
      'a javascript: URL',
      (r) => ({ receiverId: r, content: 'x', mediaUrl: 'javascript:alert(1)' }),
      'VALIDATION_FAILED',
    ],
    [
      'a data: URL',
      (r) => ({ receiverId: r, content: 'x', mediaUrl: 'data:text/html,hi' }),
      'VALIDATION_FAILED',
    ],
    ['a malformed URL', (r) => ({ receiverId: r, content: 'x', mediaUrl: 'not a url' }), 'VALIDATION_FAILED'],
    ['a relative URL', (r) => ({ receiverId: r, content: 'x', mediaUrl: '/clip.mp4' }), 'VALIDATION_FAILED'],
    [
      'a URL over 2048 characters',
      (r) => ({ receiverId: r, content: 'x', mediaUrl: `https://x.test/${long(2040)}` }),
      'VALIDATION_FAILED',
    ],
    [
      'an unknown LiveMediaType',
      (r) => ({ receiverId: r, content: 'x', mediaUrl: 'https://x.test/a.mp4', LiveMediaType: 'IMAGE' }),
      'VALIDATION_FAILED',
    ],
    [
      'LiveMediaType without mediaUrl',
      (r) => ({ receiverId: r, content: 'x', LiveMediaType: 'VIDEO' }),
      'VALIDATION_FAILED',
    ],
    [
      'a clientMessageId over 64 characters',
      (r) => ({ receiverId: r, content: 'x', clientMessageId: long(65) }),
      'VALIDATION_FAILED',
    ],
    ['a string payload', () => 'hello', 'VALIDATION_FAILED'],
    ['a number payload', () => 42, 'VALIDATION_FAILED'],
    ['a null payload', () => null, 'VALIDATION_FAILED'],
    ['an array payload', (r) => [r, 'hi'], 'VALIDATION_FAILED'],
  ];

  it.each(cases)(
    'refuses %s with an error, stores nothing, tells nobody else, keeps the socket',
    async (_label, make, code) => {
      const [a, b] = [await createUser(t.http), await createUser(t.http)];
      const [sa, sb] = [await t.online(a), await t.online(b)];
      const receiverInbox = new Inbox(sb, 'chat:message_receive');
      const errorsAtB = new Inbox(sb, 'chat:error');

      const ack = await send(sa, make(b.id));
      expect(ack).toEqual({
        ok: false,
        error: expect.objectContaining({ code, message: expect.any(String) }),
      });
      expect((await t.http.get('/api/chats', a.accessToken)).body.items).toEqual([]);
      expect((await t.http.get('/api/chats', b.accessToken)).body.items).toEqual([]);

      // Still usable, and the receiver saw only the good message.
      const good = await sendOk(sa, { receiverId: b.id, content: 'still here' });
      expect(await receiverInbox.waitFor(1)).toEqual([good]);
      await settle(sb);
      expect(errorsAtB.items).toEqual([]);
    },
  );

  it('without an ack callback, reports the error as chat:error to the sending socket only', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const errors = new Inbox(sa, 'chat:error');
    const errorsAtB = new Inbox(sb, 'chat:error');
    sa.emit('chat:message_send', { receiverId: b.id, content: '', clientMessageId: 'c-1' });
    expect(await errors.waitFor(1)).toEqual([
      {
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('content'),
        details: [{ path: 'content', message: expect.any(String) }],
        event: 'chat:message_send',
        clientMessageId: 'c-1',
      },
    ]);
    await settle(sb);
    expect(errorsAtB.items).toEqual([]);
  });

  it('accepts content of exactly 4000 characters, and an empty content with a mediaUrl', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    expect((await sendOk(socket, { receiverId: b.id, content: long(4000) })).content).toHaveLength(4000);
    const media = await sendOk(socket, { receiverId: b.id, content: '', mediaUrl: 'https://x.test/a.mp3' });
    expect(media).toMatchObject({ content: '', mediaType: 'AUDIO' });
  });
});
