import type { TurnObserver } from './coalesce-writes.js';

interface BacklogTransport {
  name: string;
  writable: boolean;
  /** ws's WebSocket on the websocket transport; absent on polling. */
  socket?: { bufferedAmount?: number; terminate?: () => void };
}

interface Packet {
  data?: unknown;
}

export interface BacklogConnection {
  readonly transport: BacklogTransport;
  on(event: 'packetCreate', listener: (packet: Packet) => void): unknown;
  on(event: 'flush' | 'upgrade', listener: () => void): unknown;
  off(event: 'packetCreate', listener: (packet: Packet) => void): unknown;
  off(event: 'flush', listener: () => void): unknown;
  close(discard?: boolean): void;
}

/**
 * What one Engine.IO connection has waiting to be written, kept under a bound. It waits in two places:
 * Engine.IO's write buffer, where packets stay while a long-polling client has not come back for them,
 * and the websocket's TCP socket, whose userland buffer holds what the kernel has not taken (the
 * websocket transport is kept writable, see coalesceWrites, so its packets never wait with Engine.IO).
 * The first is a running count, added to as Engine.IO buffers a packet and cleared when it flushes; the
 * second is the socket's own count, checked by `afterTurn()` at the end of each turn, when the turn's one
 * write has gone to the socket. So a check costs the same however much is waiting, and a websocket
 * connection pays nothing per packet.
 */
export class WriteBacklog implements TurnObserver {
  private buffered = 0;
  private exceeded = false;

  /** `onExceeded` may be shared by every connection: it is told which one passed the bound. */
  constructor(
    private readonly connection: BacklogConnection,
    private readonly maxBytes: number,
    private readonly onExceeded: (bytes: number, connection: BacklogConnection) => void,
  ) {
    // A websocket's packets never wait with Engine.IO: it pays nothing per packet or per write, and an
    // idle one holds nothing but this object.
    if (connection.transport.name !== 'websocket') this.countEngineBuffer();
  }

  private countEngineBuffer(): void {
    const { connection } = this;
    const onPacket = (packet: Packet) => {
      if (connection.transport.writable) return;
      this.buffered += packetSize(packet);
      this.afterTurn();
    };
    const onFlush = () => {
      this.buffered = 0;
    };
    connection.on('packetCreate', onPacket);
    connection.on('flush', onFlush);
    connection.on('upgrade', () => {
      connection.off('packetCreate', onPacket);
      connection.off('flush', onFlush);
      this.buffered = 0;
    });
  }

  /** Bytes waiting for this connection now. */
  get bytes(): number {
    const inSocket = this.connection.transport.socket?.bufferedAmount;
    return this.buffered + (typeof inSocket === 'number' ? inSocket : 0);
  }

  /** Checks the bound; called at the end of each turn that wrote (coalesceWrites) and as a packet waits. */
  afterTurn(): void {
    if (this.exceeded) return;
    const bytes = this.bytes;
    if (bytes <= this.maxBytes) return;
    this.exceeded = true;
    // Outside the emit that passed the bound: that is often a broadcast still going through its sockets.
    process.nextTick(this.onExceeded, bytes, this.connection);
  }
}

/**
 * Ends a connection without writing what it has waiting, which would never leave. A websocket's TCP socket
 * goes at once, freeing its buffer; a closing handshake would queue behind that buffer and hold it until
 * ws gives up waiting.
 */
export function dropConnection(connection: BacklogConnection): void {
  connection.transport.socket?.terminate?.();
  connection.close(true);
}

// A string counts by its length rather than its UTF-8 size, which would read the whole of it for every
// socket it goes to.
function packetSize({ data }: Packet): number {
  if (typeof data === 'string') return data.length;
  return (data as { byteLength?: number } | undefined)?.byteLength ?? 0;
}
