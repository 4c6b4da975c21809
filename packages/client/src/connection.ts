import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { backoffDelay, wait } from './backoff.js';
import { Emitter } from './emitter.js';
import type { Session } from './session.js';
import type { ChatSocket } from './socket-ack.js';
import type { ConnectionState } from './state.js';

export type ConnectionEvents = {
  state: (state: ConnectionState) => void;
};

export type SocketOverrides = Partial<ManagerOptions & SocketOptions>;

/**
 * The socket and its life: connects with the current access token, reconnects with backoff and jitter,
 * and after every connect runs `catchUp` (the sync) before it reports `live`.
 */
export class Connection extends Emitter<ConnectionEvents> {
  readonly socket: ChatSocket;
  state: ConnectionState = 'connecting';
  private readonly closed = new AbortController();
  private refused = 0;

  constructor(
    private readonly session: Session,
    private readonly catchUp: (signal: AbortSignal) => Promise<void>,
    overrides: SocketOverrides = {},
  ) {
    super();
    this.socket = io(new URL('/chat', session.baseUrl).toString(), {
      // A function, so every attempt presents the token current at that moment, not the first one.
      auth: (cb) => cb({ token: session.accessToken }),
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
      autoConnect: false,
      ...overrides,
    });
    this.socket.on('connect', () => void this.connected());
    this.socket.on('disconnect', (reason) => {
      this.set('offline');
      // The service cut this socket (a restart's drain, a slow consumer): Socket.IO will not come back by itself.
      if (reason === 'io server disconnect') void this.retry();
    });
    this.socket.on('connect_error', (error) => {
      this.set('offline');
      // A refusal at the handshake (an expired token) ends Socket.IO's own retries; transport errors do not.
      // A service that could not check the session asks for a later try, not a new token.
      const unavailable = (error as { data?: { code?: string } }).data?.code === 'SERVICE_UNAVAILABLE';
      if (!this.socket.active) void this.retry(!unavailable);
    });
    this.socket.io.on('reconnect_attempt', () => this.set('connecting'));
    session.on('ended', () => this.close());
  }

  open(): void {
    this.set('connecting');
    this.socket.connect();
  }

  close(): void {
    this.closed.abort();
    this.socket.disconnect();
    this.set('offline');
  }

  private async connected(): Promise<void> {
    this.refused = 0;
    this.set('syncing');
    const socket = this.socket;
    for (let attempt = 0; socket.connected && !this.closed.signal.aborted; attempt++) {
      try {
        await this.catchUp(this.closed.signal);
        if (socket.connected) this.set('live');
        return;
      } catch {
        await wait(backoffDelay(attempt), this.closed.signal);
      }
    }
  }

  private async retry(refresh = true): Promise<void> {
    if (this.closed.signal.aborted || this.session.ended) return;
    // The refusal may be an expired token; a fresh one costs one call and is needed anyway.
    if (refresh) await this.session.refresh().catch(() => {});
    await wait(backoffDelay(this.refused++), this.closed.signal);
    if (this.closed.signal.aborted || this.session.ended || this.socket.connected) return;
    this.set('connecting');
    this.socket.connect();
  }

  private set(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
