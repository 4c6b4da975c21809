import { createServer, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { upgradeRequestReleaser } from '../../src/realtime/release-upgrade-requests.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A websocket-only Socket.IO server whose /chat sockets go through the releaser; resolves each join. */
async function serve(): Promise<{
  url: string;
  joined: () => Promise<Socket>;
  standIns: { req?: unknown }[];
}> {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  // Engine.IO's stand-in response of each websocket upgrade, which holds on to the request.
  const standIns: { req?: unknown }[] = [];
  server.engine.use((_req: unknown, res: { req?: unknown }, next: () => void) => {
    standIns.push(res);
    next();
  });
  const release = upgradeRequestReleaser(server);
  const waiters: ((socket: Socket) => void)[] = [];
  server.of('/chat').on('connection', (socket) => {
    release(socket);
    waiters.shift()?.(socket);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.close();
    http.close();
  });
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    joined: () => new Promise((resolve) => waiters.push(resolve)),
    standIns,
  };
}

/** A client joined to /chat with a token both in its query and in a header. */
function client(url: string, token: string) {
  const socket = connect(`${url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    query: { token },
    extraHeaders: { authorization: `Bearer ${token}` },
  });
  cleanups.push(() => socket.disconnect());
  return socket;
}

describe('upgradeRequestReleaser', () => {
  it('leaves a joined connection only what a later join reads, not the upgrade request', async () => {
    const { url, joined, standIns } = await serve();
    client(url, 'sent');
    const socket = await joined();

    expect(standIns).toHaveLength(1);
    expect(standIns[0]).toHaveProperty('req', undefined);

    const request = socket.conn.request as unknown as Record<string, unknown>;
    expect(request).not.toBeInstanceOf(IncomingMessage);
    expect(Object.keys(request).sort()).toEqual(['_query', 'connection', 'headers', 'url']);
    expect((request.headers as Record<string, string>).authorization).toBe('Bearer sent');
    expect(request._query).toMatchObject({ token: 'sent' });
    expect(request.connection).toEqual({ encrypted: false });
  });

  it('builds the handshake of a second join over the same connection from what it kept', async () => {
    const { url, joined } = await serve();
    const chat = client(url, 'kept');
    const first = await joined();
    const left = new Promise((resolve) => first.once('disconnect', resolve));
    // The main namespace keeps the connection open while /chat leaves and joins again.
    const main = chat.io.socket('/');
    main.connect();
    cleanups.push(() => main.disconnect());
    await new Promise<void>((resolve) => main.once('connect', () => resolve()));
    chat.disconnect();
    await left;
    const again = joined();
    chat.connect();
    const second = await again;

    expect(second.conn).toBe(first.conn);
    expect(second.handshake.headers.authorization).toBe('Bearer kept');
    expect(second.handshake.query).toMatchObject({ token: 'kept' });
    expect(second.handshake.secure).toBe(false);
  });
});
