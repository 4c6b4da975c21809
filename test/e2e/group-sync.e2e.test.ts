import { describe, expect, it } from 'vitest';
import type { MessageView, SyncPage } from '../../src/contract/views.js';
import { ChatState } from '../support/chat-state.js';
import {
  addMembersOk,
  chatOf,
  createGroup,
  createUsers,
  follow,
  historyOf,
  lastToken,
  leaveGroup,
  membersOf,
  next,
  removeMember,
  setRole,
  syncAll,
  updateGroup,
} from '../support/groups.js';
import { type ClientSocket, emitAck, sendOk, settle } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<any> =>
  emitAck(socket, event, payload);
const ok = async (pending: Promise<{ status: number; body?: unknown }>, status = 200) => {
  const res = await pending;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
};

const users = (count: number) => createUsers(t, count);

// History lists reactions in the order they first came; ChatState keeps them by emoji.
const byEmoji = (messages: MessageView[]) =>
  messages.map((m) => ({ ...m, reactions: [...m.reactions].sort((x, y) => x.emoji.localeCompare(y.emoji)) }));

/** Every message and change of one chat that sync pages carried, as (seq) numbers in order of arrival. */
const seqsOf = (pages: SyncPage[], chatId: string) =>
  pages.flatMap((p) => [...p.messages, ...p.events].filter((x) => x.chatId === chatId).map((x) => x.seq));

describe('sync of a group', () => {
  it('a device away during adds, removes, renames, role changes, a hand-over and messages ends, after sync in pages of two, as one that stayed', async () => {
    const [a, b, c, d, e] = await users(5);
    const group = await createGroup(t, a, [b, c], { title: 'Start' });
    const [sa, sb, sc] = [await t.online(a), await t.online(b), await t.online(c)];
    const [online, away] = [new ChatState(c.id), new ChatState(c.id)];
    const start = await syncAll(t, c);
    for (const page of start) {
      online.applyPage(page);
      away.applyPage(page);
    }
    follow(sc, online);

    // While c's second device is away.
    const m1 = await sendOk(sa, { chatId: group.id, content: 'one' });
    await addMembersOk(t, a, group.id, [d, e]);
    await ok(updateGroup(t, a, group.id, { title: 'Renamed' }));
    await ok(setRole(t, a, group.id, b.id, 'admin'));
    const m2 = await sendOk(sb, { chatId: group.id, content: 'two' });
    await ok(removeMember(t, b, group.id, d.id), 204);
    await ok(leaveGroup(t, e, group.id), 204);
    expect((await emit(sa, 'chat:message_edit', { messageId: m1.id, content: 'one, edited' })).ok).toBe(true);
    expect((await emit(sc, 'chat:reaction_add', { messageId: m2.id, emoji: '👍' })).ok).toBe(true);
    expect((await emit(sa, 'chat:reaction_add', { messageId: m2.id, emoji: '🔥' })).ok).toBe(true);
    await ok(t.http.post(`/api/chats/${group.id}/owner`, { userId: b.id }, a.accessToken));
    await ok(updateGroup(t, b, group.id, { historyVisibility: 'all' }));
    const m3 = await sendOk(sc, { chatId: group.id, content: 'three', replyToId: m2.id });
    expect((await emit(sa, 'chat:message_delete', { messageId: m1.id, scope: 'everyone' })).ok).toBe(true);
    const lastHeard = next(sc, 'chat:member_added');
    await addMembersOk(t, b, group.id, [e]);
    await lastHeard;
    await settle(sc);

    // Back, in pages of two: every page applied in order.
    const pages = await syncAll(t, c, lastToken(start), 2);
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages) away.applyPage(page);

    const server = byEmoji(await historyOf(t, c, group.id));
    expect(away.chat(group.id)).toEqual(server);
    expect(online.chat(group.id)).toEqual(server);
    expect(server.filter((m) => m.kind === 'user').map((m) => m.id)).toEqual([m3.id, m2.id, m1.id]);
    expect(server.find((m) => m.id === m1.id)).toMatchObject({ content: '', deletedAt: expect.any(String) });
    expect(server.find((m) => m.id === m2.id)!.reactions).toEqual([
      { emoji: '👍', count: 1, me: true },
      { emoji: '🔥', count: 1, me: false },
    ]);
    expect(server.map((m) => m.event?.type ?? 'user').reverse()).toEqual([
      'created',
      'user',
      'member_added',
      'updated',
      'member_role_changed',
      'user',
      'member_removed',
      'member_removed',
      'member_role_changed',
      'member_role_changed',
      'updated',
      'user',
      'member_added',
    ]);

    // The group itself: what the system messages say is what the server says.
    const { members } = await membersOf(t, c, group.id);
    const chat = await chatOf(t, c, group.id);
    const expected = {
      title: 'Renamed',
      historyVisibility: 'all',
      members: Object.fromEntries(members.map((m) => [m.user.id, m.role])),
    };
    expect(expected.members).toEqual({
      [a.id]: 'admin',
      [b.id]: 'owner',
      [c.id]: 'member',
      [e.id]: 'member',
    });
    expect(chat).toMatchObject({ title: 'Renamed', historyVisibility: 'all', memberCount: 4 });
    for (const state of [away, online]) {
      const roster = state.roster(group.id)!;
      expect({
        title: roster.title,
        historyVisibility: roster.historyVisibility,
        members: roster.members,
      }).toEqual(expected);
    }

    // Nothing came twice, and a chat's entries came in seq order.
    const seqs = seqsOf(pages, group.id);
    expect(new Set(seqs).size).toBe(seqs.length);
    const messageSeqs = pages.flatMap((p) =>
      p.messages.filter((m) => m.chatId === group.id).map((m) => m.seq),
    );
    expect(messageSeqs).toEqual([...messageSeqs].sort((x, y) => x - y));
    // And nothing more to come.
    const again = await syncAll(t, c, lastToken(pages));
    expect(seqsOf(again, group.id)).toEqual([]);
  });

  it('a removed member’s sync carries the removal system message and nothing else of that chat', async () => {
    const [a, b, c, d] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    const [sa, sc] = [await t.online(a), await t.online(c)];
    const [online, away] = [new ChatState(c.id), new ChatState(c.id)];
    const start = await syncAll(t, c);
    for (const page of start) {
      online.applyPage(page);
      away.applyPage(page);
    }
    follow(sc, online);

    const m1 = await sendOk(sa, { chatId: group.id, content: 'while c is still here' });
    const removed = next(sc, 'chat:member_removed');
    await ok(removeMember(t, a, group.id, c.id), 204);
    const removal = await removed;
    // The group goes on without c.
    await sendOk(sa, { chatId: group.id, content: 'after c' });
    expect(
      (await emit(sa, 'chat:message_edit', { messageId: m1.id, content: 'edited after c left' })).ok,
    ).toBe(true);
    expect((await emit(sa, 'chat:reaction_add', { messageId: m1.id, emoji: '👀' })).ok).toBe(true);
    await ok(updateGroup(t, a, group.id, { title: 'Without c' }));
    await addMembersOk(t, a, group.id, [d]);
    await settle(sc);

    const pages = await syncAll(t, c, lastToken(start), 2);
    for (const page of pages) away.applyPage(page);
    // A removed member may no longer read the chat: what the device had not fetched by then (m1) stays
    // unfetched, and neither m1's later edit nor its reaction ever reaches it. Only the removal comes.
    const messages = pages.flatMap((p) => p.messages).filter((m) => m.chatId === group.id);
    expect(messages).toEqual([removal.message]);
    expect(messages[0]).toMatchObject({
      kind: 'system',
      event: { type: 'member_removed', userId: c.id, reason: 'removed' },
    });
    expect(pages.flatMap((p) => p.events).filter((e) => e.chatId === group.id)).toEqual([]);
    expect(seqsOf(pages, group.id)).toEqual([removal.seq]);
    // Both devices know c is out of the group, and the one that stayed heard of nothing after it.
    expect(away.roster(group.id)?.members[c.id]).toBeUndefined();
    expect(online.roster(group.id)?.members[c.id]).toBeUndefined();
    expect(online.chat(group.id).find((m) => m.id === m1.id)).toMatchObject({
      content: 'while c is still here',
      editedAt: null,
      reactions: [],
    });
    const again = await syncAll(t, c, lastToken(pages));
    expect(seqsOf(again, group.id)).toEqual([]);
  });
});
