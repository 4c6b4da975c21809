import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  MessageSendPayload,
  ServerToClientEvents,
} from '../../src/contract/events.js';
import type { MessageView } from '../../src/contract/views.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// How long to wait for an event before the test fails instead of hanging: a safety net, not a speed goal.
const WAIT_MS = 10_000;

export interface ConnectOptions {
  token?: string;
  via?: 'auth' | 'header' | 'query';
  transport?: 'websocket' | 'polling';
}

function socketFor(baseUrl: string, options: ConnectOptions): ClientSocket {
  const { token, via = 'auth', transport = 'websocket' } = options;
  return io(`${baseUrl}/chat`, {
    transports: [transport],
    reconnection: false,
    forceNew: true,
    auth: token && via === 'auth' ? { token } : {},
    extraHeaders: token && via === 'header' ? { authorization: `Bearer ${token}` } : {},
    query: token && via === 'query' ? { token } : {},
  });
}

/** A connected, authenticated client socket; rejects with the connect_error otherwise. */
export function connect(baseUrl: string, options: ConnectOptions): Promise<ClientSocket> {
  const socket = socketFor(baseUrl, options);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** The connect_error message of a refused handshake. */
export async function refusal(baseUrl: string, options: ConnectOptions): Promise<string> {
  return (await refusalWithData(baseUrl, options)).message;
}

/** The connect_error of a refused handshake: its message and the catalog body in `data`. */
export async function refusalWithData(
  baseUrl: string,
  options: ConnectOptions,
): Promise<{ message: string; data?: { code: string; message: string } }> {
  try {
    const socket = await connect(baseUrl, options);
    socket.close();
    return { message: 'connected' };
  } catch (error) {
    const { message, data } = error as Error & { data?: { code: string; message: string } };
    return { message, data };
  }
}

export type SendAck =
  | { ok: true; message: MessageView }
  | { ok: false; error: { code: string; message: string } };

export function send(socket: ClientSocket, payload: unknown): Promise<SendAck> {
  return socket
    .timeout(WAIT_MS)
    .emitWithAck('chat:message_send', payload as MessageSendPayload) as Promise<SendAck>;
}

/** Sends and insists on success. */
export async function sendOk(socket: ClientSocket, payload: MessageSendPayload): Promise<MessageView> {
  const ack = await send(socket, payload);
  if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

/** Records every event of one name that a socket receives, and waits for a count of them. */
export class Inbox<E extends keyof ServerToClientEvents> {
  readonly items: Parameters<ServerToClientEvents[E]>[0][] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(socket: ClientSocket, event: E) {
    // biome-ignore lint/suspicious/noExplicitAny: generic over the typed event map
    (socket.on as any)(event, (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      this.items.push(payload);
      const due = this.waiters.filter((w) => this.items.length >= w.count);
      this.waiters = this.waiters.filter((w) => this.items.length < w.count);
      for (const waiter of due) waiter.resolve();
    });
  }

  async waitFor(count: number): Promise<Parameters<ServerToClientEvents[E]>[0][]> {
    if (this.items.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited for ${count} events, got ${this.items.length}`)),
          WAIT_MS,
        );
        this.waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.items;
  }
}

/**
 * Proves a socket has received everything the server sent it so far: a round trip of its own (a message
 * to itself) comes back after any packet the server wrote to it earlier, on the same ordered connection.
 */
export async function settle(socket: ClientSocket): Promise<void> {
  await send(socket, { receiverId: '00000000-0000-4000-8000-000000000000', content: 'barrier' });
}

export function closeAll(...sockets: (ClientSocket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}

/** Emits any client event with any payload, as an arbitrary client could, and returns the ack. */
export function emitAck(socket: ClientSocket, event: string, payload: unknown): Promise<unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately bypasses the typed event map
  return (socket.timeout(WAIT_MS) as any).emitWithAck(event, payload);
}
