import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

const SENDERS = 60;
const EACH = 2;

async function batchMetrics(): Promise<{ batches: number; messages: number }> {
  const text = await (await fetch(`${t.app.baseUrl}/metrics`)).text();
  const value = (metric: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${metric} `))
        ?.split(' ')[1],
    );
  return { batches: value('chat_write_batch_size_count'), messages: value('chat_write_batch_size_sum') };
}

describe('group commit', () => {
  // On embedded PGlite each statement runs on the event loop's thread: without yielding before it, every
  // socket's read became a batch of its own (one or two messages each).
  it('writes a burst from many sockets in a few batches, not one per socket', async () => {
    const receiver = await createUser(t.http);
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => createUser(t.http)));
    const sockets = await Promise.all(senders.map((sender) => t.online(sender)));
    const before = await batchMetrics();

    const acks = sockets.flatMap((socket) =>
      Array.from({ length: EACH }, (_, i) =>
        sendOk(socket, { receiverId: receiver.id, content: `burst ${i}`, clientMessageId: randomUUID() }),
      ),
    );
    expect(await Promise.all(acks)).toHaveLength(SENDERS * EACH);

    const after = await batchMetrics();
    expect(after.messages - before.messages).toBe(SENDERS * EACH);
    // One batch per socket would be SENDERS; a tenth of that is still several batches of slack.
    expect(after.batches - before.batches).toBeLessThanOrEqual(SENDERS / 10);
  });
});
