import type { Socket as TcpSocket } from 'node:net';

interface EngineTransport {
  name: string;
  writable: boolean;
  send(packets: unknown[]): void;
  socket?: { _socket?: TcpSocket };
}

interface EngineConnection {
  transport: EngineTransport;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
}

const COALESCING = Symbol('coalescing');

/**
 * Packets for one websocket within one turn of the event loop leave in one TCP write. A committed batch
 * acks and delivers hundreds of messages in one turn; without this every packet is its own syscall
 * (engine.io writes each frame separately, and on loopback each write also pays the receiver's side),
 * which was a quarter of the service's CPU under load. The socket is corked at the first packet of a
 * turn and uncorked on the next tick, after the turn's promise callbacks have run.
 */
export function coalesceWrites(connection: EngineConnection): void {
  wrap(connection.transport);
  connection.on('upgrade', wrap);
}

function wrap(transport: EngineTransport & { [COALESCING]?: true }): void {
  // ws's underlying socket is private; where it is missing (polling, another ws), writes go as before.
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp || transport[COALESCING]) return;
  transport[COALESCING] = true;
  const send = transport.send.bind(transport);
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp.uncork();
  };
  transport.send = (packets) => {
    if (!corked && !tcp.destroyed) {
      corked = true;
      tcp.cork();
      process.nextTick(uncork);
    }
    send(packets);
    // engine.io holds further packets until this write's callback; while corked, let them join it.
    if (corked) transport.writable = true;
  };
}
