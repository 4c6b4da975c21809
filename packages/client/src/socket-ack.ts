import type { Socket } from 'socket.io-client';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from './contract.js';
import { ChatError } from './errors.js';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

type AckOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends
  | ((result: infer R) => void)
  | undefined
  ? R
  : never;
type Unwrapped<R> = Omit<Extract<R, { ok: true }>, 'ok'>;

/**
 * Emits an event and resolves with what its ack carries, or rejects with the refusal as a ChatError. A
 * connection lost before the ack rejects at once with NETWORK (Socket.IO itself would wait forever): the
 * caller cannot know whether the service got it, which is why sends carry a clientMessageId.
 */
export function emitWithAck<E extends keyof ClientToServerEvents>(
  socket: ChatSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<Unwrapped<AckOf<E>>> {
  return new Promise((resolve, reject) => {
    // Socket.IO would buffer an emit made offline and send it on reconnect, behind the caller's back.
    if (!socket.connected) return reject(new ChatError('NETWORK', 'Not connected'));
    const lost = () => reject(new ChatError('NETWORK', 'The connection was lost before the answer'));
    socket.once('disconnect', lost);
    const ack = (result: AckResult<Record<string, unknown>>) => {
      socket.off('disconnect', lost);
      if (result.ok) resolve(result as unknown as Unwrapped<AckOf<E>>);
      else reject(new ChatError(result.error.code, result.error.message, null, result.error.details));
    };
    (socket.emit as (event: string, payload: unknown, ack: unknown) => void)(event, payload, ack);
  });
}
