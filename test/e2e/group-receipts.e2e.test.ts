import { describe, expect, it } from 'vitest';
import { chatList, chatOf, createGroup, createUsers, next } from '../support/groups.js';
import { type ClientSocket, emitAck, Inbox, sendOk, settle } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// Groups of more than two members share no receipts and no typing.
const t = useTestApp({ env: { GROUP_RECEIPTS_MAX: '2' } });

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<any> =>
  emitAck(socket, event, payload);

const users = (count: number) => createUsers(t, count);

/**
 * Proves the sockets have heard everything sent to them before now: a group message from `from` arrives
 * at each (a later event that does come), and then each one's own round trip comes back.
 */
async function barrier(from: ClientSocket, chatId: string, sockets: ClientSocket[], content: string) {
  const arrivals = sockets.map((s) => next(s, 'chat:message_receive', (m) => m.content === content));
  await sendOk(from, { chatId, content });
  await Promise.all(arrivals);
  await Promise.all(sockets.map((s) => settle(s)));
}

describe('a group above GROUP_RECEIPTS_MAX (2)', () => {
  it('sends no read receipt to the others, only to the reader’s other devices; peerReadSeq stays 0; the reads route still lists readers', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const [sa, b1, b2, sc] = [await t.online(a), await t.online(b), await t.online(b), await t.online(c)];
    const [atA, atC, atB2] = [
      new Inbox(sa, 'chat:message_read'),
      new Inbox(sc, 'chat:message_read'),
      new Inbox(b2, 'chat:message_read'),
    ];
    const m = await sendOk(sa, { chatId: group.id, content: 'read me' });

    const ack = await emit(b1, 'chat:message_read', { chatId: group.id, messageId: m.id });
    expect(ack).toMatchObject({ ok: true, receipt: { userId: b.id, seq: m.seq }, unreadCount: 0 });
    // The reader's other device does hear of it: receipts work, they just go to nobody else.
    expect((await atB2.waitFor(1))[0]).toMatchObject({ chatId: group.id, userId: b.id, seq: m.seq });
    const rest = await t.http.post(`/api/chats/${group.id}/read`, { messageId: m.id }, c.accessToken);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);

    await barrier(b1, group.id, [sa, sc], 'after the reads');
    expect(atA.items).toEqual([]);
    // c's own read (over REST) reaches c's own socket, as a reader's other device; b's does not.
    expect(atC.items.filter((r) => r.userId !== c.id)).toEqual([]);
    expect(atC.items.map((r) => r.userId)).toEqual([c.id]);

    // Both others have read m, yet the group shares no mark.
    expect((await chatOf(t, a, group.id)).peerReadSeq).toBe(0);
    expect((await chatList(t, a)).find((chat) => chat.id === group.id)!.peerReadSeq).toBe(0);
    const reads = await t.http.get(`/api/chats/${group.id}/messages/${m.id}/reads`, a.accessToken);
    expect(reads.status, JSON.stringify(reads.body)).toBe(200);
    expect(reads.body.items.map((r: { user: { id: string } }) => r.user.id).sort()).toEqual(
      [b.id, c.id].sort(),
    );
    expect(reads.body.items.every((r: { readSeq: number }) => r.readSeq >= m.seq)).toBe(true);
  });

  it('sends no delivered receipt and no typing', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const [sa, sb, sc] = [await t.online(a), await t.online(b), await t.online(c)];
    const delivered = new Inbox(sa, 'chat:message_delivered');
    const typing = [new Inbox(sa, 'chat:typing'), new Inbox(sc, 'chat:typing')];
    const m = await sendOk(sa, { chatId: group.id, content: 'got it?' });

    await emit(sb, 'chat:message_delivered', { chatId: group.id, messageId: m.id });
    await emit(sb, 'chat:typing', { chatId: group.id, isTyping: true });
    await emit(sb, 'chat:typing', { chatId: group.id, isTyping: false });

    await barrier(sb, group.id, [sa, sc], 'after typing');
    expect(delivered.items).toEqual([]);
    expect(typing.map((inbox) => inbox.items)).toEqual([[], []]);
  });

  it('a group of two (not above the cap) still shares receipts and typing: the same calls are heard', async () => {
    const [a, b] = await users(2);
    const group = await createGroup(t, a, [b]);
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const m = await sendOk(sa, { chatId: group.id, content: 'small' });

    const delivered = next(sa, 'chat:message_delivered');
    await emit(sb, 'chat:message_delivered', { chatId: group.id, messageId: m.id });
    expect(await delivered).toMatchObject({ chatId: group.id, userId: b.id, seq: m.seq });
    const read = next(sa, 'chat:message_read');
    await emit(sb, 'chat:message_read', { chatId: group.id, messageId: m.id });
    expect(await read).toMatchObject({ chatId: group.id, userId: b.id, seq: m.seq });
    const typing = next(sa, 'chat:typing');
    await emit(sb, 'chat:typing', { chatId: group.id, isTyping: true });
    expect(await typing).toEqual({ chatId: group.id, userId: b.id, isTyping: true });
    expect((await chatOf(t, a, group.id)).peerReadSeq).toBe(m.seq);
  });
});
