// The baseline: a bare Socket.IO relay with the service's /chat contract and server options, but no
// auth, no validation and no storage. A client names itself in `auth.userId`; each socket joins its
// user's room; `chat:message_send` builds a message of the same shape and emits it to the rooms of
// sender and receiver, then acks `{ ok: true, message }`. Changes (`--mix`) are echoed the same way:
// the live event to both members, and an ack with a message of the same shape.
// Usage: PORT=5057 node bench/relay.mjs
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 5057);
const host = process.env.HOST ?? '127.0.0.1';

const http = createServer((request, response) => {
  if (request.url === '/api/health' || request.url === '/api/health/ready') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else if (!request.url.startsWith('/socket.io/')) {
    response.writeHead(404).end();
  }
});

// The options of src/realtime/socket-io.adapter.ts.
const io = new Server(http, {
  cors: { origin: true, credentials: true },
  transports: ['polling', 'websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: 64 * 1024,
});

const chatIds = new Map(); // "a|b" -> { id, seq, members }
const chatsById = new Map(); // id -> the same, for changes
function chatOf(a, b) {
  const key = a < b ? `${a}|${b}` : `${b}|${a}`;
  let chat = chatIds.get(key);
  if (!chat) {
    chat = { id: randomUUID(), seq: 0, members: [`user:${a}`, `user:${b}`] };
    chatIds.set(key, chat);
    chatsById.set(chat.id, chat);
  }
  return chat;
}

/**
 * The service's changes, relayed: the relay stores no messages, so the bench names the chat in
 * `chatId` (from the message's ack). The change takes the chat's next seq and goes to both members as
 * the service's event, and the ack carries a message of the service's shape built from what the change
 * says (no check that the message exists, is the sender's or is not deleted; a reaction's count is as
 * if the sender were the only one reacting).
 */
const CHANGES = {
  'chat:message_edit': {
    heard: 'chat:message_edited',
    event: (p, at) => ({ content: String(p.content ?? ''), editedAt: at }),
    message: (p, at) => ({ content: String(p.content ?? ''), editedAt: at }),
  },
  'chat:message_delete': {
    heard: 'chat:message_deleted',
    event: (p, at) => ({ scope: p.scope === 'me' ? 'me' : 'everyone', deletedAt: at }),
    message: (_p, at) => ({ deletedAt: at }),
  },
  'chat:reaction_add': {
    heard: 'chat:reaction_updated',
    event: (p, _at, userId) => ({ emoji: String(p.emoji ?? ''), userId, op: 'add', count: 1 }),
    message: (p) => ({ reactions: [{ emoji: String(p.emoji ?? ''), count: 1, me: true }] }),
  },
  'chat:reaction_remove': {
    heard: 'chat:reaction_updated',
    event: (p, _at, userId) => ({ emoji: String(p.emoji ?? ''), userId, op: 'remove', count: 0 }),
    message: () => ({}),
  },
};

const chat = io.of('/chat');
chat.use((socket, next) => {
  const userId = socket.handshake.auth?.userId;
  if (typeof userId !== 'string' || !userId) return next(new Error('unauthorized'));
  socket.data.user = { id: userId, name: `user ${userId.slice(0, 8)}`, avatar: null };
  next();
});

chat.on('connection', (socket) => {
  const sender = socket.data.user;
  socket.join(`user:${sender.id}`);
  socket.on('chat:message_send', (payload, ack) => {
    const receiverId = String(payload?.receiverId ?? '');
    const room = chatOf(sender.id, receiverId);
    const mediaUrl = typeof payload?.mediaUrl === 'string' ? payload.mediaUrl : null;
    const message = {
      id: randomUUID(),
      chatId: room.id,
      content: typeof payload?.content === 'string' ? payload.content : '',
      mediaUrl,
      mediaType: mediaUrl ? (payload?.LiveMediaType ?? null) : null,
      sender: { id: sender.id, name: sender.name, avatar: sender.avatar },
      createdAt: new Date().toISOString(),
      seq: ++room.seq,
      clientMessageId: typeof payload?.clientMessageId === 'string' ? payload.clientMessageId : null,
    };
    chat.to([`user:${sender.id}`, `user:${receiverId}`]).emit('chat:message_receive', message);
    if (typeof ack === 'function') ack({ ok: true, message });
  });
  for (const [name, change] of Object.entries(CHANGES)) {
    socket.on(name, (payload, ack) => {
      const room = chatsById.get(String(payload?.chatId ?? ''));
      if (!room) {
        if (typeof ack === 'function') {
          ack({ ok: false, error: { code: 'CHAT_NOT_FOUND', message: 'chatId: no such chat' } });
        }
        return;
      }
      const messageId = String(payload.messageId ?? '');
      const at = new Date().toISOString();
      const seq = ++room.seq;
      chat.to(room.members).emit(change.heard, {
        chatId: room.id,
        messageId,
        seq,
        ...change.event(payload, at, sender.id),
      });
      if (typeof ack !== 'function') return;
      const message = {
        id: messageId,
        chatId: room.id,
        content: '',
        mediaUrl: null,
        mediaType: null,
        sender: { id: sender.id, name: sender.name, avatar: sender.avatar },
        createdAt: at,
        seq,
        clientMessageId: null,
        replyTo: null,
        editedAt: null,
        deletedAt: null,
        reactions: [],
        ...change.message(payload, at),
      };
      ack({ ok: true, message });
    });
  }
});

http.listen(port, host, () => console.log(`relay listening on http://${host}:${port}`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
