import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { coalesceWrites, type EngineConnection } from '../../src/realtime/coalesce-writes.js';
import { type BacklogConnection, dropConnection, WriteBacklog } from '../../src/realtime/write-backlog.js';

const BOUND = 64 * 1024;
const PACKET = 'x'.repeat(4096);
// Websocket framing and Engine.IO's packet type, on top of a packet's data.
const FRAMING = 16;
// Far beyond what the kernels of a loopback connection buffer: where a test gives up.
const MAX_TURNS = 4096;

type Connection = EngineConnection & BacklogConnection & { send(data: string): void };

interface Setup {
  port: number;
  connected: Promise<{ connection: Connection; exceeded: number[]; closed: Promise<string> }>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** An Engine.IO server wired as the service wires it, with the reports of its one connection recorded. */
async function setup(): Promise<Setup> {
  const http = createServer();
  const server = new Server(http, { transports: ['polling', 'websocket'] });
  const connected: Setup['connected'] = new Promise((resolve) =>
    server.engine.on('connection', (connection: Connection) => {
      const exceeded: number[] = [];
      coalesceWrites(
        connection,
        new WriteBacklog(connection, BOUND, (bytes, cut) => {
          expect(cut).toBe(connection);
          exceeded.push(bytes);
        }),
      );
      const closed = new Promise<string>((done) =>
        (connection as unknown as { once(e: 'close', l: (reason: string) => void): void }).once(
          'close',
          done,
        ),
      );
      resolve({ connection, exceeded, closed });
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => void server.close());
  return { port: (http.address() as AddressInfo).port, connected };
}

async function websocketClient(port: number): Promise<WebSocket & { frames: number }> {
  const client = Object.assign(new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`), {
    frames: 0,
  });
  client.on('message', () => {
    client.frames += 1;
  });
  client.on('error', () => {});
  cleanups.push(() => client.terminate());
  await new Promise((resolve) => client.once('open', resolve));
  return client;
}

/** Sends `perTurn` packets a turn until the backlog reports, or MAX_TURNS; resolves to the turns taken. */
async function sendUntilExceeded(connection: Connection, exceeded: number[], perTurn = 1): Promise<number> {
  let turn = 0;
  for (; turn < MAX_TURNS && exceeded.length === 0; turn++) {
    for (let i = 0; i < perTurn; i++) connection.send(PACKET);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return turn;
}

describe('WriteBacklog', () => {
  it('reports a websocket client that stops reading once, with what waited, just past the bound', async () => {
    const { port, connected } = await setup();
    const client = await websocketClient(port);
    const { connection, exceeded, closed } = await connected;
    client.pause();

    expect(await sendUntilExceeded(connection, exceeded)).toBeLessThan(MAX_TURNS);
    // Reported from the next tick: the packets still to come in this turn are not reported again.
    for (let i = 0; i < 8; i++) connection.send(PACKET);
    await new Promise((resolve) => setImmediate(resolve));
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toBeGreaterThan(BOUND);
    expect(exceeded[0]).toBeLessThanOrEqual(BOUND + PACKET.length + FRAMING);

    // Dropped, it ends at once for the client too, though it has not read a thing since.
    const ended = new Promise((resolve) => client.once('close', resolve));
    dropConnection(connection);
    expect(await closed).toBe('forced close');
    client.resume();
    await ended;
  });

  it('reports a polling client that stops polling, counting what Engine.IO holds for it', async () => {
    const { port, connected } = await setup();
    const url = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(url)).text()).slice(1)) as { sid: string };
    const { connection, exceeded, closed } = await connected;

    const turns = await sendUntilExceeded(connection, exceeded);
    // Nothing of it leaves the server: it passes the bound with the packet that passes it.
    expect(turns).toBe(Math.floor(BOUND / PACKET.length) + 1);
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toBeGreaterThan(BOUND);
    expect(exceeded[0]).toBeLessThanOrEqual(BOUND + PACKET.length);

    dropConnection(connection);
    expect(await closed).toBe('forced close');
    expect((await fetch(`${url}&sid=${sid}`)).status).toBe(400);
  });

  it('never reports a client that keeps reading, however much it is sent in all', async () => {
    const { port, connected } = await setup();
    const client = await websocketClient(port);
    const { connection, exceeded } = await connected;
    const perTurn = 8;
    const turns = Math.ceil((16 * BOUND) / (perTurn * PACKET.length));
    for (let turn = 0; turn < turns; turn++) {
      const expected = client.frames + perTurn;
      for (let i = 0; i < perTurn; i++) connection.send(PACKET);
      await new Promise<void>((resolve) => {
        const check = () => {
          if (client.frames < expected) return;
          client.off('message', check);
          resolve();
        };
        client.on('message', check);
      });
    }
    expect(exceeded).toEqual([]);
  });
});
