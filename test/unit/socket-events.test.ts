import { createServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import pino from 'pino';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatSocket } from '../../src/realtime/socket.types.js';
import { SocketEvents } from '../../src/realtime/socket-events.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Setup {
  client: WebSocket;
  /** Payloads the handler of chat:typing was called with. */
  handled: unknown[];
  /** Resolves when the server side of the namespace socket has disconnected. */
  disconnected: Promise<void>;
  /** Client frames: the next one that starts with `prefix`. */
  next: (prefix: string) => Promise<string>;
}

/** A Socket.IO server with SocketEvents bound to its sockets on /chat, and a bare client joined to it. */
async function setup(): Promise<Setup> {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  const events = new SocketEvents(pino({ level: 'silent' }));
  const handled: unknown[] = [];
  events.on('chat:typing', async (_socket, payload) => {
    handled.push(payload);
    return { seen: true };
  });
  let disconnected!: Promise<void>;
  const joined = new Promise<void>((resolve) =>
    server.of('/chat').on('connection', (socket) => {
      disconnected = new Promise((done) => socket.once('disconnect', () => done()));
      events.bind(socket as unknown as ChatSocket);
      resolve();
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  cleanups.push(() => {
    client.terminate();
    void server.close();
  });
  const frames: string[] = [];
  const waiters: { prefix: string; resolve: (f: string) => void }[] = [];
  client.on('message', (data: Buffer) => {
    const frame = data.toString();
    const waiter = waiters.find((w) => frame.startsWith(w.prefix));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    } else frames.push(frame);
  });
  const next = (prefix: string) => {
    const index = frames.findIndex((f) => f.startsWith(prefix));
    if (index >= 0) return Promise.resolve(frames.splice(index, 1)[0]!);
    return new Promise<string>((resolve) => waiters.push({ prefix, resolve }));
  };
  await new Promise((resolve) => client.once('open', resolve));
  await next('0{');
  client.send('40/chat,');
  await joined;
  return { client, handled, disconnected, next };
}

/** Sends frames in one TCP write, so the server decodes them all in one read. */
function sendTogether(client: WebSocket, frames: string[]): void {
  const tcp = (client as unknown as { _socket: TcpSocket })._socket;
  tcp.cork();
  for (const frame of frames) client.send(frame);
  tcp.uncork();
}

describe('SocketEvents', () => {
  it('runs the handler of an event and answers its ack', async () => {
    const { client, handled, next } = await setup();
    client.send('42/chat,7["chat:typing",{"chatId":"c"}]');
    expect(await next('43/chat,7')).toBe('43/chat,7[{"ok":true,"seen":true}]');
    expect(handled).toEqual([{ chatId: 'c' }]);
  });

  it('ignores an event whose socket left in the same read, as Socket.IO does for its own listeners', async () => {
    const { client, handled, disconnected } = await setup();
    sendTogether(client, ['42/chat,["chat:typing",{"chatId":"first"}]', '41/chat,']);
    await disconnected;
    // The handler would have run on the tick after the read.
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual([]);
  });

  it('ignores events it has no handler for, and handles the next one', async () => {
    const { client, handled, next } = await setup();
    sendTogether(client, ['42/chat,1["chat:nope",{}]', '42/chat,2["chat:typing",{"chatId":"c"}]']);
    expect(await next('43/chat,2')).toBe('43/chat,2[{"ok":true,"seen":true}]');
    expect(handled).toEqual([{ chatId: 'c' }]);
  });
});
