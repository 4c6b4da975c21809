import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { PollingSession } from '../support/polling-session.js';
import { Inbox, sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';
import { WebSocketSession } from '../support/websocket-session.js';

const BOUND = 64 * 1024;
const t = useTestApp({ env: { SOCKET_MAX_BUFFERED_BYTES: String(BOUND) } });

const CONTENT = 'x'.repeat(4000);
// Messages to the slow user per round, sent together: few enough that what the healthy sockets get in
// one turn stays well under the bound, even if none of it had left yet.
const PER_ROUND = 4;
// Far more than the bound plus what the kernel buffers on both ends of a loopback connection: a server
// without the bound is still holding the slow client's share of it when the loop gives up.
const MAX_ROUNDS = 1000;

async function slowConsumersDropped(): Promise<number> {
  const text = await (await fetch(`${t.app.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('chat_slow_consumers_disconnected_total '));
  // A server that has no such counter has dropped no one.
  return line ? Number(line.split(' ')[1]) : 0;
}

/** The smallest of the Socket.IO packets that delivered these messages (Engine.IO adds to each). */
function smallestDelivery(messages: MessageView[]): number {
  return Math.min(...messages.map((m) => `42/chat,${JSON.stringify(['chat:message_receive', m])}`.length));
}

/** Everything GET /api/sync gives the user from the beginning. */
async function syncAll(user: TestUser): Promise<MessageView[]> {
  const messages: MessageView[] = [];
  let since: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '1000', ...(since ? { since } : {}) });
    const res = await t.http.get(`/api/sync?${query}`, user.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    messages.push(...res.body.messages);
    since = res.body.token;
    if (!res.body.hasMore) return messages;
  }
}

/**
 * A sends rounds of messages to the slow user and one to a healthy user each, until the server reports a
 * slow consumer dropped (or MAX_ROUNDS have gone). Returns what A was acknowledged, per recipient.
 */
async function sendUntilDropped(sender: TestUser, slow: TestUser, healthy: TestUser) {
  const sa = await t.online(sender);
  const healthySocket = await t.online(healthy);
  const senderInbox = new Inbox(sa, 'chat:message_receive');
  const healthyInbox = new Inbox(healthySocket, 'chat:message_receive');
  const before = await slowConsumersDropped();
  const toSlow: MessageView[] = [];
  const toHealthy: MessageView[] = [];
  for (let round = 0; round < MAX_ROUNDS && (await slowConsumersDropped()) === before; round++) {
    const [toH, ...toS] = await Promise.all([
      sendOk(sa, { receiverId: healthy.id, content: CONTENT }),
      ...Array.from({ length: PER_ROUND }, () => sendOk(sa, { receiverId: slow.id, content: CONTENT })),
    ]);
    toHealthy.push(toH!);
    toSlow.push(...toS);
  }
  const dropped = (await slowConsumersDropped()) - before;
  return { sa, senderInbox, healthyInbox, toSlow, toHealthy, dropped };
}

/** The sender and the healthy receiver got every message; the slow user gets all of theirs from sync. */
async function expectNothingLost(
  run: Awaited<ReturnType<typeof sendUntilDropped>>,
  healthy: TestUser,
  slow: TestUser,
): Promise<void> {
  const ids = (messages: MessageView[]) => messages.map((m) => m.id);
  expect(ids(await run.healthyInbox.waitFor(run.toHealthy.length))).toEqual(ids(run.toHealthy));
  const all = [...run.toSlow, ...run.toHealthy];
  expect(new Set(ids(await run.senderInbox.waitFor(all.length)))).toEqual(new Set(ids(all)));
  const after = await sendOk(run.sa, { receiverId: healthy.id, content: 'still here' });
  expect((await run.healthyInbox.waitFor(run.toHealthy.length + 1)).at(-1)).toEqual(after);

  await t.online(slow);
  expect(ids(await syncAll(slow)).sort()).toEqual(ids(run.toSlow).sort());
}

describe('a client that stops reading what it is sent', () => {
  it('over websocket: is disconnected once the bound is passed; nobody else notices; sync has it all', async () => {
    const [sender, slow, healthy] = [
      await createUser(t.http),
      await createUser(t.http),
      await createUser(t.http),
    ];
    const client = await WebSocketSession.joined(t.app.baseUrl, slow.accessToken);
    client.pause();

    const run = await sendUntilDropped(sender, slow, healthy);
    expect(run.dropped).toBe(1);
    expect(run.toSlow.length).toBeLessThan(MAX_ROUNDS * PER_ROUND);

    // Reading again, the client gets what the kernel had already taken, then the end of the connection.
    client.resume();
    await client.closed;
    const received = client.frames.filter((f) => f.startsWith('42/chat,["chat:message_receive"')).length;
    // The rest is what the server held for it when it let go: the bound, passed by at most the packets of
    // one turn; plus the rest of the round, sent after it was gone, and the packet the cut went through.
    expect(run.toSlow.length - received).toBeLessThanOrEqual(
      Math.ceil(BOUND / smallestDelivery(run.toSlow)) + 2 * PER_ROUND,
    );

    await expectNothingLost(run, healthy, slow);
  });

  it('over long-polling: is disconnected once the bound is passed; nobody else notices; sync has it all', async () => {
    const [sender, slow, healthy] = [
      await createUser(t.http),
      await createUser(t.http),
      await createUser(t.http),
    ];
    const session = await PollingSession.joined(t.app.baseUrl, slow.accessToken);

    const run = await sendUntilDropped(sender, slow, healthy);
    expect(run.dropped).toBe(1);
    // None of it left the server: the bound is passed by the packet that passes it, in that round.
    expect(run.toSlow.length).toBeLessThanOrEqual(
      Math.ceil(BOUND / smallestDelivery(run.toSlow)) + PER_ROUND,
    );
    // Its session is gone: a late poll is refused.
    expect((await session.poll()).status).toBe(400);

    await expectNothingLost(run, healthy, slow);
  });
});
