import type { IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Server, Socket } from 'socket.io';

interface Released {
  req?: IncomingMessage;
}

type Retained = Pick<IncomingMessage, 'headers' | 'url'> & {
  _query?: unknown;
  connection: { encrypted: boolean };
};

/**
 * A websocket connection would hold its upgrade request for life, with its raw headers, its stream state
 * and Engine.IO's stand-in response: Engine.IO keeps the request as the connection's `request`, and the
 * stand-in keeps it too, through a close listener on the TCP socket. Socket.IO reads the request to build
 * the handshake of each namespace joined over the connection; once the first join has one, the connection
 * keeps only what those reads need, and the stand-in lets go. (Socket.IO's own advice for memory,
 * "discard the initial HTTP request", drops the first reference alone, which frees nothing here.)
 * Nothing in this service reads `socket.request`. A long-polling connection that upgrades later keeps
 * its upgrade request: that comes after the join, and polling is offered to a single process only.
 *
 * Returns what to call with each socket a namespace accepts.
 */
export function upgradeRequestReleaser(server: Server): (joined: Socket) => void {
  const standIns = new WeakMap<IncomingMessage, Released>();
  server.engine.use((req: IncomingMessage, res: object, next: () => void) => {
    // A long-polling request has a real response, which Node lets go of once it is sent.
    if (!(res instanceof ServerResponse)) standIns.set(req, res as Released);
    next();
  });
  return (joined) => {
    const connection = joined.conn as { request: IncomingMessage | Retained };
    const { request } = connection;
    const standIn = standIns.get(request as IncomingMessage);
    if (standIn) standIn.req = undefined;
    if (!('socket' in request)) return;
    connection.request = {
      headers: request.headers,
      url: request.url,
      _query: (request as { _query?: unknown })._query,
      connection: { encrypted: Boolean((request.socket as TLSSocket | null)?.encrypted) },
    };
  };
}
