import type { Socket as TcpSocket } from 'node:net';

interface EngineTransport {
  name: string;
  writable: boolean;
  send(packets: unknown[]): void;
  socket?: { _socket?: TcpSocket };
}

export interface EngineConnection {
  transport: EngineTransport;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
}

/** Told at the end of every turn in which a connection was written to. */
export interface TurnObserver {
  afterTurn(): void;
}

interface Coalescing {
  tcp: TcpSocket;
  send: EngineTransport['send'];
  corked: boolean;
  observer?: TurnObserver;
}

const COALESCING = Symbol('coalescing');

type CoalescedTransport = EngineTransport & { [COALESCING]?: Coalescing };

/**
 * Packets for one websocket within one turn of the event loop leave in one TCP write. A committed batch
 * acks and delivers hundreds of messages in one turn; without this every packet is its own syscall
 * (engine.io writes each frame separately, and on loopback each write also pays the receiver's side),
 * which was a quarter of the service's CPU under load. The socket is corked at the first packet of a
 * turn and uncorked on the next tick, after the turn's promise callbacks have run; the observer hears of
 * it then, once the kernel has taken what it will of the turn's write.
 *
 * Every connection holds this, idle or not: its state is one small object, and the functions are shared.
 */
export function coalesceWrites(connection: EngineConnection, observer?: TurnObserver): void {
  coalesce(connection.transport, observer);
  // Only a long-polling connection upgrades; a websocket one (every one under WORKERS) needs no listener.
  if (connection.transport.name !== 'websocket') {
    connection.on('upgrade', (transport) => coalesce(transport, observer));
  }
}

function coalesce(transport: CoalescedTransport, observer?: TurnObserver): void {
  // ws's underlying socket is private; where it is missing (polling, another ws), writes go as before.
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp || transport[COALESCING]) return;
  transport[COALESCING] = { tcp, send: transport.send, corked: false, observer };
  transport.send = coalescedSend;
}

function coalescedSend(this: CoalescedTransport, packets: unknown[]): void {
  const state = this[COALESCING] as Coalescing;
  if (!state.corked && !state.tcp.destroyed) {
    state.corked = true;
    state.tcp.cork();
    process.nextTick(uncork, state);
  }
  state.send.call(this, packets);
  // Engine.IO holds further packets until this write's callback; let them go to the socket instead, to
  // join this turn's write or the next. What waits in the socket is bounded at the end of every turn
  // (the observer, WriteBacklog), which is cheaper than Engine.IO's own flow control between turns.
  this.writable = true;
}

function uncork(state: Coalescing): void {
  state.corked = false;
  state.tcp.uncork();
  state.observer?.afterTurn();
}
