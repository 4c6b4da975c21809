import type { MessageView } from '../../src/contract/views.js';
import type { ClientSocket } from '../support/socket.js';

/** Records the messages a socket receives, and waits for one by id. */
export function inbox(socket: ClientSocket) {
  const got = new Map<string, MessageView>();
  const waiters = new Map<string, () => void>();
  socket.on('chat:message_receive', (m) => {
    got.set(m.id, m);
    waiters.get(m.id)?.();
  });
  return {
    has: (id: string) => got.has(id),
    waitFor: (id: string, ms = 10_000) =>
      got.has(id)
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), ms);
            waiters.set(id, () => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
  };
}
