import { createServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { coalesceWrites, type EngineConnection } from '../../src/realtime/coalesce-writes.js';

interface Setup {
  client: Socket;
  /** Server-side TCP writes (syscalls, as the stream hands them to the OS) since the socket connected. */
  writes: () => number;
  emit: (event: string, value: number) => void;
  tcp: TcpSocket;
}

/** An engine connection's own buffer: the packets it holds back while its transport cannot take them. */
interface Buffering {
  writeBuffer: unknown[];
  send(data: string): void;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function setup(coalesce: boolean, afterTurn?: () => void): Promise<Setup> {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  if (coalesce) {
    const observer = afterTurn ? { afterTurn } : undefined;
    server.engine.on('connection', (c: EngineConnection) => coalesceWrites(c, observer));
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const connected = new Promise<Omit<Setup, 'client'>>((resolve) => {
    server.on('connection', (socket) => {
      const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket;
      let count = 0;
      for (const method of ['_write', '_writev'] as const) {
        const original = tcp[method]!.bind(tcp) as (...args: unknown[]) => void;
        (tcp as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          count += 1;
          original(...args);
        };
      }
      resolve({ writes: () => count, emit: (event, value) => void socket.emit(event, value), tcp });
    });
  });
  const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  cleanups.push(() => {
    client.close();
    void server.close();
  });
  const clientConnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const side = await connected;
  await clientConnected;
  return { client, ...side };
}

function receive(client: Socket, event: string, count: number): Promise<number[]> {
  const values: number[] = [];
  return new Promise((resolve) => {
    client.on(event, (value: number) => {
      values.push(value);
      if (values.length === count) resolve(values);
    });
  });
}

/** Emits five packets in one turn; resolves to the TCP writes they took, once the client has them all. */
async function writesForFiveEmits(coalesce: boolean): Promise<number> {
  const { client, writes, emit } = await setup(coalesce);
  const received = receive(client, 'n', 5);
  const before = writes();
  for (let n = 1; n <= 5; n++) emit('n', n);
  expect(await received).toEqual([1, 2, 3, 4, 5]);
  return writes() - before;
}

describe('coalesceWrites', () => {
  it('sends the packets of one event-loop turn in one TCP write, in order', async () => {
    expect(await writesForFiveEmits(true)).toBe(1);
  });

  it('makes one write per packet without it (what it saves)', async () => {
    expect(await writesForFiveEmits(false)).toBeGreaterThan(1);
  });

  it('calls afterTurn once per turn, after the turn has been written', async () => {
    const corkedAtCalls: number[] = [];
    let tcp: TcpSocket | undefined;
    const {
      client,
      emit,
      tcp: socket,
    } = await setup(true, () => {
      if (tcp) corkedAtCalls.push(tcp.writableCorked);
    });
    tcp = socket;
    const received = receive(client, 'n', 5);
    const before = corkedAtCalls.length;
    for (let n = 1; n <= 5; n++) emit('n', n);
    await received;
    expect(corkedAtCalls.slice(before)).toEqual([0]);
  });

  it('between turns too, packets go to the socket (where WriteBacklog bounds them), never wait in Engine.IO', async () => {
    const http = createServer();
    const server = new Server(http, { transports: ['websocket'] });
    const connected = new Promise<Buffering & EngineConnection>((resolve) =>
      server.engine.on('connection', (connection: Buffering & EngineConnection) => {
        coalesceWrites(connection);
        resolve(connection);
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    client.on('error', () => {});
    cleanups.push(() => {
      client.terminate();
      void server.close();
    });
    const connection = await connected;
    await new Promise((resolve) => client.once('message', resolve));
    client.pause();

    const tcp = (connection.transport.socket as { _socket: TcpSocket })._socket;
    const packet = 'x'.repeat(4096);
    // One packet a turn, until the kernels' buffers are full and the socket keeps what is left.
    for (let turn = 0; turn < 4096 && tcp.writableLength < 64 * packet.length; turn++) {
      connection.send(packet);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(tcp.writableLength).toBeGreaterThanOrEqual(64 * packet.length);
    expect(connection.writeBuffer).toEqual([]);
  });

  it('keeps sending in later turns and from promise callbacks', async () => {
    const { client, emit } = await setup(true);
    const received = receive(client, 'n', 6);
    emit('n', 1);
    await new Promise((resolve) => setImmediate(resolve));
    emit('n', 2);
    await Promise.resolve();
    emit('n', 3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let n = 4; n <= 6; n++) emit('n', n);
    expect(await received).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
