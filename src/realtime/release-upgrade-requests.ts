import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'socket.io';

interface Released {
  req?: IncomingMessage;
}

/**
 * A websocket connection would hold its upgrade request for life, with its raw headers, its stream state
 * and Engine.IO's stand-in response: Engine.IO keeps the request as the connection's `request`, and the
 * stand-in keeps it too, through a close listener on the TCP socket. Socket.IO reads the request once, to
 * build a socket's handshake (which keeps the parsed headers); after that both references are dropped.
 * Socket.IO's own advice for memory drops the first ("discard the initial HTTP request"), which alone
 * frees nothing here. `socket.request` is undefined afterwards: nothing in this service reads it.
 */
export function releaseUpgradeRequests(server: Server): void {
  const standIns = new WeakMap<IncomingMessage, Released>();
  server.engine.use((req: IncomingMessage, res: object, next: () => void) => {
    // A long-polling request has a real response, which Node lets go of once it is sent.
    if (!(res instanceof ServerResponse)) standIns.set(req, res as Released);
    next();
  });
  server.on('new_namespace', (namespace) =>
    namespace.on('connection', (socket: Socket) => {
      const connection = socket.conn as { request?: IncomingMessage };
      const { request } = connection;
      if (!request) return;
      const standIn = standIns.get(request);
      if (standIn) standIn.req = undefined;
      connection.request = undefined;
    }),
  );
}
