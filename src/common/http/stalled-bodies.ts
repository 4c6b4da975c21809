import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

// Silence is looked for several times per idle period, so that a cut comes at most a fraction of it late.
const CHECKS_PER_PERIOD = 4;

/**
 * Cuts the connection of a request whose body stalls: nothing from the client for `idleMs` while the body
 * is incomplete. Only the body's upload is timed, never the wait for an answer. Socket.IO's requests
 * (websocket upgrades, long-polls that wait for data) are answered before Fastify sees them, so this never
 * applies to them.
 */
export function cutStalledBodies(fastify: FastifyInstance, idleMs: number, logger: Logger): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    watchBody(request.raw, idleMs, () =>
      // Such a request never gets an answer, so never a request log line: this one says what happened.
      logger.info({ method: request.method, url: request.url }, 'request body stalled: connection cut'),
    );
    done();
  });
}

function watchBody(request: IncomingMessage, idleMs: number, onCut: () => void): void {
  if (request.complete || !hasBody(request)) return;
  const socket = request.socket;
  let bytesRead = socket.bytesRead;
  let quietChecks = 0;
  const timer = setInterval(() => {
    if (request.complete) return stop();
    // Bytes that wait for this service to read them: the service is behind, not the client.
    if (socket.bytesRead !== bytesRead || request.readableLength > 0) {
      bytesRead = socket.bytesRead;
      quietChecks = 0;
      return;
    }
    quietChecks += 1;
    if (quietChecks < CHECKS_PER_PERIOD) return;
    stop();
    onCut();
    socket.destroy();
  }, idleMs / CHECKS_PER_PERIOD).unref();
  const stop = () => {
    clearInterval(timer);
    request.off('end', stop);
    socket.off('close', stop);
  };
  request.once('end', stop);
  socket.once('close', stop);
}

// A request has a body exactly when it says how it is framed (RFC 9112, section 6.3).
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
