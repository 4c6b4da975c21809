import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { toAppError, wsErrorBody } from '../common/errors/to-app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { ClientToServerEvents } from '../contract/events.js';
import type { ChatSocket } from './socket.types.js';

/** Parses a client event's payload, calls the service, and maps its result to the ack. */
export type EventHandler = (socket: ChatSocket, payload: unknown) => Promise<object | undefined>;

/**
 * The client events of namespace `/chat` and their handlers, registered by the feature modules (messages,
 * chats) and bound to every socket as it connects. Success goes to the ack callback as
 * `{ ok: true, ...result }`; a failure goes to the ack as `{ ok: false, error }`, or, without a callback,
 * to this socket alone as `chat:error`. Nothing a client sends can throw past this point, and the socket
 * stays usable.
 */
@Injectable()
export class SocketEvents {
  private readonly handlers = new Map<keyof ClientToServerEvents, EventHandler>();
  private readonly drains: (() => Promise<void>)[] = [];

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  on(event: keyof ClientToServerEvents, handler: EventHandler): void {
    this.handlers.set(event, handler);
  }

  /** Work a shutdown lets finish before it closes the sockets (the write in flight, with its acks). */
  drainBeforeClose(wait: () => Promise<void>): void {
    this.drains.push(wait);
  }

  drain(): Promise<void> {
    return Promise.all(this.drains.map((wait) => wait())).then(() => {});
  }

  bind(socket: ChatSocket): void {
    socket.onAny(this.listener);
  }

  // One listener for every event of every socket (Socket.IO calls it with the socket as `this`): an idle
  // socket holds no function of its own and no table of its events. Socket.IO calls an any-listener as the
  // packet is decoded; its own listeners run a tick later and only if the socket is still connected (a
  // disconnect decoded from the same read comes first). The event waits for that same tick and check.
  // Any-listeners also run before per-socket middlewares (`socket.use`): a check on client events belongs
  // in the handler's service, not in such a middleware, which could not stop the event here.
  private readonly listener = (() => {
    const events = this;
    return function (this: ChatSocket, event: unknown, ...args: unknown[]) {
      const handler = events.handlers.get(event as keyof ClientToServerEvents);
      if (handler) process.nextTick(events.dispatchIfConnected, this, event, handler, args);
    };
  })();

  private readonly dispatchIfConnected = (
    socket: ChatSocket,
    event: keyof ClientToServerEvents,
    handler: EventHandler,
    args: unknown[],
  ): void => {
    if (socket.connected) this.dispatch(socket, event, handler, args);
  };

  private dispatch(
    socket: ChatSocket,
    event: keyof ClientToServerEvents,
    handler: EventHandler,
    args: unknown[],
  ): void {
    // The ack is the last argument when the client asked for one, even with no payload before it.
    const reply = typeof args.at(-1) === 'function' ? (args.pop() as (result: object) => void) : undefined;
    const payload = args[0];
    let running: Promise<object | undefined>;
    try {
      running = handler(socket, payload);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => reply?.({ ok: true, ...result }),
      (error: unknown) => {
        const { appError, expected } = toAppError(error);
        if (!expected)
          this.logger.error({ err: error, event, userId: socket.data.user?.id }, 'socket event failed');
        const body = wsErrorBody(appError);
        if (reply) reply({ ok: false, error: body });
        else socket.emit('chat:error', { ...body, event, clientMessageId: clientMessageIdOf(payload) });
      },
    );
  }
}

function clientMessageIdOf(payload: unknown): string | null {
  const id = (payload as { clientMessageId?: unknown } | null)?.clientMessageId;
  return typeof id === 'string' && id.length <= 64 ? id : null;
}
