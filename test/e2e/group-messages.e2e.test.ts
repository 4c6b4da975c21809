import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { type ClientSocket, emitAck, Inbox, send, sendOk, settle } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// The message path of groups and blocks, end to end: who gets what, and what history shows.
const t = useTestApp();

type Four<T> = [T, T, T, T];
const people = async (n: number) =>
  (await Promise.all(Array.from({ length: n }, () => createUser(t.http)))) as Four<TestUser>;
const online = async (...users: TestUser[]) =>
  (await Promise.all(users.map((u) => t.online(u)))) as Four<ClientSocket>;

async function group(owner: TestUser, members: TestUser[], title = 'Team') {
  const res = await t.http.post(
    '/api/chats',
    { type: 'GROUP', title, memberIds: members.map((m) => m.id) },
    owner.accessToken,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; memberCount: number; role: string; notAdded: string[] };
}

async function history(user: TestUser, chatId: string) {
  const res = await t.http.get(`/api/chats/${chatId}/messages?limit=100`, user.accessToken);
  return { status: res.status, items: (res.body.items ?? []) as MessageView[] };
}

describe('a group’s messages', () => {
  it('reach every socket of every member, and a non-member’s send stores nothing', async () => {
    const [a, b, c, outsider] = await people(4);
    const chat = await group(a, [b, c]);
    expect(chat).toMatchObject({ memberCount: 3, role: 'owner', notAdded: [] });
    const [sa, sb, sc, so] = await online(a, b, c, outsider);
    const inboxes = [sa, sb, sc].map((s) => new Inbox(s, 'chat:message_receive'));
    const outsiderInbox = new Inbox(so, 'chat:message_receive');

    const sent = await sendOk(sb, { chatId: chat.id, content: 'hello team' });
    expect(sent).toMatchObject({ chatId: chat.id, seq: 2, kind: 'user', event: null });
    for (const inbox of inboxes) expect((await inbox.waitFor(1))[0]).toEqual(sent);

    const refused = await send(so, { chatId: chat.id, content: 'let me in' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
    expect(await send(sa, { chatId: chat.id, receiverId: b.id, content: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    await settle(so);
    expect(outsiderInbox.items.filter((m) => m.chatId === chat.id)).toEqual([]);
    const { items } = await history(a, chat.id);
    expect(items.map((m) => [m.kind, m.content])).toEqual([
      ['user', 'hello team'],
      ['system', expect.stringContaining('created the group “Team”')],
    ]);
    expect(items[1]!.event).toEqual({ type: 'created', title: 'Team', userIds: [b.id, c.id] });
  });

  it('shows a new member history from when they joined, and a removed member nothing after', async () => {
    const [a, b, late] = await people(3);
    const chat = await group(a, [b]);
    const [sa, sb, sl] = await online(a, b, late);
    await sendOk(sa, { chatId: chat.id, content: 'before' });
    const added = await t.http.post(`/api/chats/${chat.id}/members`, { userIds: [late.id] }, a.accessToken);
    expect(added.body).toEqual({ added: [late.id], alreadyMembers: [], notAdded: [] });
    await sendOk(sa, { chatId: chat.id, content: 'after' });
    expect((await history(late, chat.id)).items.map((m) => m.content)).toEqual([
      'after',
      expect.stringContaining('added'),
    ]);

    const removedEvents = new Inbox(sb, 'chat:member_removed');
    const bInbox = new Inbox(sb, 'chat:message_receive');
    expect((await t.http.delete(`/api/chats/${chat.id}/members/${b.id}`, a.accessToken)).status).toBe(204);
    const [removal] = await removedEvents.waitFor(1);
    expect(removal).toMatchObject({ chatId: chat.id, userId: b.id, reason: 'removed', memberCount: 2 });
    const lateInbox = new Inbox(sl, 'chat:message_receive');
    const afterRemoval = await sendOk(sa, { chatId: chat.id, content: 'without b' });
    expect((await lateInbox.waitFor(1))[0]!.id).toBe(afterRemoval.id);
    await settle(sb);
    expect(bInbox.items.map((m) => m.content)).not.toContain('without b');
    expect((await history(b, chat.id)).status).toBe(404);
    expect(await send(sb, { chatId: chat.id, content: 'still here?' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
  });
});

describe('blocking', () => {
  it('acks the blocked person’s direct message but never shows it to the blocker', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const first = await sendOk(sa, { receiverId: b.id, content: 'hi b' });
    expect((await t.http.put(`/api/users/me/blocks/${b.id}`, {}, a.accessToken)).status).toBe(200);
    const aInbox = new Inbox(sa, 'chat:message_receive');
    const hidden = await sendOk(sb, { receiverId: a.id, content: 'can you hear me' });
    expect(hidden.chatId).toBe(first.chatId);
    await settle(sa);
    expect(aInbox.items).toEqual([]);
    expect((await history(a, first.chatId)).items.map((m) => m.content)).toEqual(['hi b']);
    expect((await history(b, first.chatId)).items.map((m) => m.content)).toEqual(['can you hear me', 'hi b']);
    const list = await t.http.get('/api/chats', a.accessToken);
    expect(list.body.items[0]).toMatchObject({ unreadCount: 0, lastMessage: { id: first.id } });

    await t.http.delete(`/api/users/me/blocks/${b.id}`, a.accessToken);
    const again = await sendOk(sb, { receiverId: a.id, content: 'now?' });
    expect((await aInbox.waitFor(1))[0]!.id).toBe(again.id);
  });

  it('keeps the blocked person’s edits and reactions in their direct chat from the blocker, live and in sync', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const fromB = await sendOk(sb, { receiverId: a.id, content: 'before the block' });
    const fromA = await sendOk(sa, { receiverId: b.id, content: 'hello' });
    const token = (await t.http.get('/api/sync', a.accessToken)).body.token as string;
    await t.http.put(`/api/users/me/blocks/${b.id}`, {}, a.accessToken);
    const edited = new Inbox(sa, 'chat:message_edited');
    const reactions = new Inbox(sa, 'chat:reaction_updated');
    const deleted = new Inbox(sa, 'chat:message_deleted');
    const ack = (event: string, payload: object) => emitAck(sb, event, payload) as Promise<{ ok: boolean }>;
    expect(
      (await ack('chat:message_edit', { messageId: fromB.id, content: 'edited while blocked' })).ok,
    ).toBe(true);
    expect((await ack('chat:reaction_add', { messageId: fromA.id, emoji: '👍' })).ok).toBe(true);
    // A's own change still reaches A's devices: the barrier that proves B's came to nothing.
    expect(
      (await emitAck(sa, 'chat:reaction_add', { messageId: fromB.id, emoji: '🔥' })) as object,
    ).toMatchObject({ ok: true });
    expect((await reactions.waitFor(1)).at(-1)).toMatchObject({ userId: a.id, emoji: '🔥' });
    expect(edited.items).toEqual([]);
    expect(reactions.items.map((e) => e.userId)).toEqual([a.id]);
    expect(deleted.items).toEqual([]);
    const sync = await t.http.get(`/api/sync?since=${encodeURIComponent(token)}`, a.accessToken);
    expect(sync.body.events.map((e: { userId?: string; type: string }) => [e.type, e.userId])).toEqual([
      ['reaction_updated', a.id],
    ]);
  });
});
