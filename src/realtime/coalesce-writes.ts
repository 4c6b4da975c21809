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

const COALESCING = Symbol('coalescing');

/**
 * Packets for one websocket within one turn of the event loop leave in one TCP write. A committed batch
 * acks and delivers hundreds of messages in one turn; without this every packet is its own syscall
 * (engine.io writes each frame separately, and on loopback each write also pays the receiver's side),
 * which was a quarter of the service's CPU under load. The socket is corked at the first packet of a
 * turn and uncorked on the next tick, after the turn's promise callbacks have run; `afterTurn` runs then,
 * once the kernel has taken what it will of the turn's write.
 */
export function coalesceWrites(connection: EngineConnection, afterTurn?: () => void): void {
  const wrapTransport = (transport: EngineTransport) => wrap(transport, afterTurn);
  wrapTransport(connection.transport);
  connection.on('upgrade', wrapTransport);
}

function wrap(transport: EngineTransport & { [COALESCING]?: true }, afterTurn?: () => void): void {
  // ws's underlying socket is private; where it is missing (polling, another ws), writes go as before.
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp || transport[COALESCING]) return;
  transport[COALESCING] = true;
  const send = transport.send.bind(transport);
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp.uncork();
    afterTurn?.();
  };
  transport.send = (packets) => {
    if (!corked && !tcp.destroyed) {
      corked = true;
      tcp.cork();
      process.nextTick(uncork);
    }
    send(packets);
    // Engine.IO holds further packets until this write's callback; let them go to the socket instead, to
    // join this turn's write or the next. What waits in the socket is bounded at the end of every turn
    // (`afterTurn`, WriteBacklog), which is cheaper than Engine.IO's own flow control between turns.
    transport.writable = true;
  };
}
