import type { Logger } from 'pino';
import type { ClientToServerEvents } from '../chat/chat.events.js';
import { toAppError, wsErrorBody } from '../common/errors/to-app-error.js';
import type { ChatSocket } from './socket.types.js';

/**
 * Binds a client event to an async handler. Success goes to the ack callback as `{ ok: true, ...result }`;
 * a failure goes to the ack as `{ ok: false, error }`, or, without a callback, to this socket alone as
 * `chat:error`. Nothing a client sends can throw past this point, and the socket stays usable.
 */
export function handleEvent(
  socket: ChatSocket,
  event: keyof ClientToServerEvents,
  logger: Logger,
  handler: (payload: unknown) => Promise<object | undefined>,
): void {
  // biome-ignore lint/suspicious/noExplicitAny: the listener signature is checked by the typed event map
  (socket.on as any)(event, (...args: unknown[]) => {
    // The ack is the last argument when the client asked for one, even with no payload before it.
    const reply = typeof args.at(-1) === 'function' ? (args.pop() as (result: object) => void) : undefined;
    const payload = args[0];
    let running: Promise<object | undefined>;
    try {
      running = handler(payload);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => reply?.({ ok: true, ...result }),
      (error: unknown) => {
        const { appError, expected } = toAppError(error);
        if (!expected)
          logger.error({ err: error, event, userId: socket.data.user?.id }, 'socket event failed');
        const body = wsErrorBody(appError);
        if (reply) reply({ ok: false, error: body });
        else socket.emit('chat:error', { ...body, event, clientMessageId: clientMessageIdOf(payload) });
      },
    );
  });
}

function clientMessageIdOf(payload: unknown): string | null {
  const id = (payload as { clientMessageId?: unknown } | null)?.clientMessageId;
  return typeof id === 'string' && id.length <= 64 ? id : null;
}
