import type { Server } from 'node:http';

/**
 * Lets go of every keep-alive connection once the server has stopped listening. Node closes the idle ones
 * when `close()` is called, but a response still being written then leaves its connection idle only
 * afterwards, kept open for the whole keep-alive timeout, and `close()` waits for it: a client making a
 * request as an instance stops would hold up the stop for that long.
 */
export function closeConnectionsAfterStop(server: Server): void {
  server.on('request', (_request, response) => {
    response.once('finish', () => {
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });
  });
}
