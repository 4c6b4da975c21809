import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatView, MessageView } from '../../src/contract/views.js';
import { type TestUser } from '../support/factories.js';
import {
  addMembers,
  addMembersOk,
  chatList,
  chatOf,
  createGroup,
  createUsers,
  EventLog,
  historyOf,
  leaveGroup,
  membersOf,
  next,
  removeMember,
  setRole,
  syncAll,
  updateGroup,
} from '../support/groups.js';
import type { HttpResult } from '../support/http.js';
import { type ClientSocket, emitAck, Inbox, send, sendOk, settle } from '../support/socket.js';
import { type TestSuite, useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
type Ack = any;
const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<Ack> =>
  emitAck(socket, event, payload);

/** Status and error code of an answer, to compare in one go. */
const outcome = (res: HttpResult<{ code?: string } | undefined>) => [res.status, res.body?.code];

const users = (count: number, suite: Pick<TestSuite, 'http'> = t) => createUsers(suite, count);

const publicUser = (u: TestUser) => ({ id: u.id, name: u.name, avatar: null });
const sorted = (ids: string[]) => [...ids].sort();
const userMessages = (messages: MessageView[]) => messages.filter((m) => m.kind === 'user');

describe('POST /api/chats (a group)', () => {
  it('creates it (201): the creator owns it, the others are members, history starts with a `created` system message', async () => {
    const [a, b, c] = await users(3);
    const sb = await t.online(b);
    const announced = next(sb, 'chat:updated');
    // The creator's own id and repeats are ignored.
    const res = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Trip', memberIds: [b.id, c.id, a.id, b.id] },
      a.accessToken,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      type: 'GROUP',
      peer: null,
      title: 'Trip',
      avatar: null,
      memberCount: 3,
      role: 'owner',
      historyVisibility: 'since_join',
      unreadCount: 0,
      notAdded: [],
    });
    const chatId: string = res.body.id;

    const history = await historyOf(t, b, chatId);
    expect(history).toHaveLength(1);
    const created = history[0]!;
    expect(created).toMatchObject({
      chatId,
      seq: 1,
      kind: 'system',
      sender: { id: a.id },
      event: { type: 'created', title: 'Trip' },
      editedAt: null,
      deletedAt: null,
      reactions: [],
    });
    expect(created.content).toEqual(expect.any(String));
    expect(created.content.length).toBeGreaterThan(0);
    expect(sorted((created.event as { userIds: string[] }).userIds)).toEqual(sorted([b.id, c.id]));
    expect(await historyOf(t, a, chatId)).toEqual(history);

    // The first members hear of it with the system message that records it.
    expect(await announced).toEqual({
      chatId,
      seq: 1,
      title: 'Trip',
      avatar: null,
      historyVisibility: 'since_join',
      memberCount: 3,
      message: created,
    });

    expect(await chatOf(t, b, chatId)).toMatchObject({ id: chatId, role: 'member', memberCount: 3 });
    expect(await chatOf(t, c, chatId)).toMatchObject({ id: chatId, role: 'member', title: 'Trip' });
    const listed = (await chatList(t, a)).find((chat) => chat.id === chatId);
    expect(listed).toMatchObject({ type: 'GROUP', title: 'Trip', memberCount: 3, role: 'owner' });
    expect(listed!.lastMessage).toEqual(created);

    const { members } = await membersOf(t, c, chatId);
    expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [a.id, 'owner'],
        [b.id, 'member'],
        [c.id, 'member'],
      ].sort(),
    );
    expect(members.find((m) => m.user.id === b.id)).toEqual({
      user: publicUser(b),
      role: 'member',
      joinedAt: expect.any(String),
    });
  });

  it('refuses an unknown user in memberIds (404 USER_NOT_FOUND) and creates nothing', async () => {
    const [a, b, c] = await users(3);
    await sendOk(await t.online(a), { receiverId: c.id, content: 'an older chat' });
    const before = await chatList(t, a);
    const res = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Nope', memberIds: [b.id, randomUUID()] },
      a.accessToken,
    );
    expect(outcome(res)).toEqual([404, 'USER_NOT_FOUND']);
    expect(await chatList(t, a)).toEqual(before);
    expect(await chatList(t, b)).toEqual([]);
  });

  it('refuses bad input with 400 VALIDATION_FAILED, creating nothing', async () => {
    const [a, b] = await users(2);
    const bodies = [
      { type: 'GROUP', memberIds: [b.id] },
      { type: 'GROUP', title: '   ', memberIds: [b.id] },
      { type: 'GROUP', title: 'x'.repeat(101) },
      { type: 'DIRECT', title: 'Direct?', memberIds: [b.id] },
      { type: 'GROUP', title: 'Bad ids', memberIds: ['not-a-uuid'] },
      { type: 'GROUP', title: 'Too many', memberIds: Array.from({ length: 101 }, () => randomUUID()) },
    ];
    for (const body of bodies) {
      const res = await t.http.post('/api/chats', body, a.accessToken);
      expect(outcome(res), JSON.stringify(body).slice(0, 80)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(await chatList(t, a)).toEqual([]);
    expect((await t.http.post('/api/chats', { type: 'GROUP', title: 'x' })).status).toBe(401);
  });

  it('GET /api/chats/:chatId answers members only (404 CHAT_NOT_FOUND to others)', async () => {
    const [a, b, outsider] = await users(3);
    const group = await createGroup(t, a, [b]);
    expect((await chatOf(t, b, group.id)).title).toBe(group.title);
    expect(outcome(await t.http.get(`/api/chats/${group.id}`, outsider.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect(outcome(await t.http.get(`/api/chats/${randomUUID()}`, a.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
  });
});

describe('PATCH /api/chats/:chatId', () => {
  it('the owner and admins change title, avatar and history setting; every member hears chat:updated with the next seq', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c], { title: 'Before' });
    expect((await setRole(t, a, group.id, b.id, 'admin')).status).toBe(200); // seq 2
    const sc = await t.online(c);
    const updates = new Inbox(sc, 'chat:updated');

    const renamed = await updateGroup(t, a, group.id, { title: 'After' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ id: group.id, title: 'After', role: 'owner', memberCount: 3 });
    const [first] = await updates.waitFor(1);
    expect(first).toMatchObject({
      chatId: group.id,
      seq: 3,
      title: 'After',
      avatar: null,
      historyVisibility: 'since_join',
      memberCount: 3,
      message: {
        chatId: group.id,
        seq: 3,
        kind: 'system',
        sender: { id: a.id },
        event: { type: 'updated', title: 'After' },
      },
    });

    // An admin may too.
    const avatar = 'https://example.test/group.png';
    const byAdmin = await updateGroup(t, b, group.id, { avatar, historyVisibility: 'all' });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(200);
    expect(byAdmin.body).toMatchObject({ avatar, historyVisibility: 'all', role: 'admin' });
    const [, second] = await updates.waitFor(2);
    expect(second).toMatchObject({
      chatId: group.id,
      seq: 4,
      title: 'After',
      avatar,
      historyVisibility: 'all',
      message: { seq: 4, kind: 'system', sender: { id: b.id }, event: { type: 'updated', avatar } },
    });

    const history = await historyOf(t, c, group.id);
    expect(history.map((m) => [m.seq, m.kind, m.event?.type])).toEqual([
      [4, 'system', 'updated'],
      [3, 'system', 'updated'],
      [2, 'system', 'member_role_changed'],
      [1, 'system', 'created'],
    ]);
    expect(history[0]).toEqual(second!.message);
    expect(history[1]).toEqual(first!.message);
    expect(await chatOf(t, c, group.id)).toMatchObject({ title: 'After', avatar, historyVisibility: 'all' });
  });

  it('refuses a plain member (403), an outsider (404), a direct chat (403) and an empty change (400)', async () => {
    const [a, b, outsider] = await users(3);
    const group = await createGroup(t, a, [b], { title: 'Kept' });
    expect(outcome(await updateGroup(t, b, group.id, { title: 'Mine' }))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await updateGroup(t, outsider, group.id, { title: 'Mine' }))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect(outcome(await updateGroup(t, a, group.id, {}))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await updateGroup(t, a, group.id, { historyVisibility: 'never' }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    const direct = await sendOk(await t.online(a), { receiverId: b.id, content: 'hi' });
    expect(outcome(await updateGroup(t, a, direct.chatId, { title: 'A direct chat' }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
    expect(await chatOf(t, a, group.id)).toMatchObject({ title: 'Kept', avatar: null });
    expect(await historyOf(t, a, group.id)).toHaveLength(1);
  });
});

describe('POST /api/chats/:chatId/members', () => {
  it('adds people (added, alreadyMembers); every member, the new ones included, hears chat:member_added', async () => {
    const [a, b, d, e] = await users(4);
    const group = await createGroup(t, a, [b]);
    const [sb, sd] = [await t.online(b), await t.online(d)];
    const [atB, atD] = [next(sb, 'chat:member_added'), next(sd, 'chat:member_added')];

    const res = await addMembers(t, a, group.id, [d.id, e.id, b.id, d.id]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect({ ...res.body, added: sorted(res.body.added) }).toEqual({
      added: sorted([d.id, e.id]),
      alreadyMembers: [b.id],
      notAdded: [],
    });
    const event = await atB;
    expect(event).toMatchObject({
      chatId: group.id,
      seq: 2,
      memberCount: 4,
      message: {
        chatId: group.id,
        seq: 2,
        kind: 'system',
        sender: { id: a.id },
        event: { type: 'member_added' },
      },
    });
    expect(sorted((event.message.event as { userIds: string[] }).userIds)).toEqual(sorted([d.id, e.id]));
    expect(
      [...event.members].sort((x, y) => (x.user.id < y.user.id ? -1 : 1)).map((m) => [m.user, m.role]),
    ).toEqual(
      [d, e]
        .sort((x, y) => (x.id < y.id ? -1 : 1))
        .map((u) => [{ id: u.id, name: u.name, avatar: null }, 'member']),
    );
    expect(await atD).toEqual(event);
    expect(await chatOf(t, d, group.id)).toMatchObject({ role: 'member', memberCount: 4 });
    expect((await historyOf(t, b, group.id))[0]).toEqual(event.message);
  });

  it('an admin may add; refuses more than 100 ids (400), an unknown id (404, nothing added), a plain member (403) and an outsider (404)', async () => {
    const [a, b, c, d, outsider] = await users(5);
    const group = await createGroup(t, a, [b, c]);
    expect((await setRole(t, a, group.id, b.id, 'admin')).status).toBe(200);
    const historyBefore = await historyOf(t, a, group.id);

    const tooMany = Array.from({ length: 100 }, () => randomUUID());
    expect(outcome(await addMembers(t, a, group.id, [d.id, ...tooMany]))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await addMembers(t, a, group.id, []))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await addMembers(t, a, group.id, [d.id, randomUUID()]))).toEqual([404, 'USER_NOT_FOUND']);
    expect(outcome(await addMembers(t, c, group.id, [d.id]))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await addMembers(t, outsider, group.id, [d.id]))).toEqual([404, 'CHAT_NOT_FOUND']);
    // Nothing of those was added, nor recorded.
    expect(outcome(await t.http.get(`/api/chats/${group.id}`, d.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect((await chatOf(t, a, group.id)).memberCount).toBe(3);
    expect(await historyOf(t, a, group.id)).toEqual(historyBefore);

    // 100 ids are allowed in one call (all unknown here but one: refused as a whole, but not as too many).
    expect(outcome(await addMembers(t, a, group.id, [d.id, ...tooMany.slice(1)]))).toEqual([
      404,
      'USER_NOT_FOUND',
    ]);
    const byAdmin = await addMembersOk(t, b, group.id, [d]);
    expect(byAdmin).toMatchObject({ alreadyMembers: [], notAdded: [] });
    expect((await chatOf(t, d, group.id)).memberCount).toBe(4);
  });
});

describe('removing and leaving', () => {
  it('the owner removes an admin, an admin removes a plain member but not an admin or the owner; each removal reaches every member and the removed one', async () => {
    const [a, b, c, d, e, stranger] = await users(6);
    const group = await createGroup(t, a, [b, c, d, e]);
    for (const admin of [b, c]) expect((await setRole(t, a, group.id, admin.id, 'admin')).status).toBe(200);
    const [sa, sd] = [await t.online(a), await t.online(d)];

    expect(outcome(await removeMember(t, b, group.id, c.id))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await removeMember(t, b, group.id, a.id))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await removeMember(t, d, group.id, e.id))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await removeMember(t, stranger, group.id, e.id))).toEqual([404, 'CHAT_NOT_FOUND']);
    expect((await chatOf(t, a, group.id)).memberCount).toBe(5);

    const [atD, atA] = [
      next(sd, 'chat:member_removed'),
      next(sa, 'chat:member_removed', (e) => e.userId === d.id),
    ];
    const byAdmin = await removeMember(t, b, group.id, d.id);
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(204);
    const removal = await atD;
    expect(removal).toMatchObject({
      chatId: group.id,
      seq: 4,
      userId: d.id,
      reason: 'removed',
      memberCount: 4,
      message: {
        chatId: group.id,
        seq: 4,
        kind: 'system',
        sender: { id: b.id },
        event: { type: 'member_removed', userId: d.id, reason: 'removed' },
      },
    });
    expect(await atA).toEqual(removal);

    const adminGone = next(sa, 'chat:member_removed', (e) => e.userId === c.id);
    expect((await removeMember(t, a, group.id, c.id)).status).toBe(204);
    expect(await adminGone).toMatchObject({
      seq: 5,
      userId: c.id,
      reason: 'removed',
      memberCount: 3,
      message: { sender: { id: a.id } },
    });

    // No longer members, or never were.
    expect(outcome(await removeMember(t, b, group.id, d.id))).toEqual([404, 'USER_NOT_FOUND']);
    expect(outcome(await removeMember(t, a, group.id, stranger.id))).toEqual([404, 'USER_NOT_FOUND']);
    const { members } = await membersOf(t, a, group.id);
    expect(sorted(members.map((m) => m.user.id))).toEqual(sorted([a.id, b.id, e.id]));
    expect((await historyOf(t, e, group.id)).slice(0, 2).map((m) => m.event)).toEqual([
      { type: 'member_removed', userId: c.id, reason: 'removed' },
      { type: 'member_removed', userId: d.id, reason: 'removed' },
    ]);
  });

  it('a removed member hears chat:member_removed and then nothing more of the group; it can neither read nor send there', async () => {
    const [a, b, c, d] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const [c1, c2] = [await t.online(c), await t.online(c)];
    const [log1, log2] = [new EventLog(c1), new EventLog(c2)];

    const before = next(c1, 'chat:message_receive', (m) => m.content === 'before');
    await sendOk(sa, { chatId: group.id, content: 'before' });
    await before;
    const removed = [next(c1, 'chat:member_removed'), next(c2, 'chat:member_removed')];
    expect((await removeMember(t, a, group.id, c.id)).status).toBe(204);
    const removal = (await Promise.all(removed))[0]!;
    expect(removal).toMatchObject({ chatId: group.id, userId: c.id, reason: 'removed', memberCount: 2 });

    // The group goes on: a message, a rename, an addition, a read receipt and typing, all heard by b.
    const heard = [
      next(sb, 'chat:message_receive', (m) => m.content === 'after'),
      next(sb, 'chat:updated'),
      next(sb, 'chat:member_added'),
      next(sa, 'chat:typing'),
    ];
    const after = await sendOk(sa, { chatId: group.id, content: 'after' });
    expect((await updateGroup(t, a, group.id, { title: 'Without c' })).status).toBe(200);
    await addMembersOk(t, a, group.id, [d]);
    expect((await emit(sb, 'chat:message_read', { chatId: group.id, messageId: after.id })).ok).toBe(true);
    expect(await emit(sb, 'chat:typing', { chatId: group.id, isTyping: true })).toEqual({ ok: true });
    await Promise.all(heard);
    await Promise.all([settle(c1), settle(c2)]);
    for (const log of [log1, log2]) {
      const events = log.of(group.id);
      expect(events.at(-1)!.name).toBe('chat:member_removed');
      expect(events.filter((e) => (e.payload.seq ?? 0) > removal.seq)).toEqual([]);
    }

    expect(outcome(await t.http.get(`/api/chats/${group.id}/messages`, c.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect(outcome(await t.http.get(`/api/chats/${group.id}`, c.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect(await send(c1, { chatId: group.id, content: 'still here?' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(
      (await historyOf(t, a, group.id)).filter((m) => m.sender.id === c.id && m.kind === 'user'),
    ).toEqual([]);
  });

  it('leaving (204, reason left); DELETE of oneself is leaving too; the owner must hand over first (409 OWNER_MUST_TRANSFER)', async () => {
    const [a, b, c, outsider] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    const sa = await t.online(a);

    const bLeft = next(sa, 'chat:member_removed', (e) => e.userId === b.id);
    expect((await leaveGroup(t, b, group.id)).status).toBe(204);
    expect(await bLeft).toMatchObject({
      chatId: group.id,
      seq: 2,
      userId: b.id,
      reason: 'left',
      memberCount: 2,
      message: {
        kind: 'system',
        sender: { id: b.id },
        event: { type: 'member_removed', userId: b.id, reason: 'left' },
      },
    });
    expect(outcome(await t.http.get(`/api/chats/${group.id}`, b.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect(outcome(await leaveGroup(t, b, group.id))).toEqual([404, 'CHAT_NOT_FOUND']);
    expect(outcome(await leaveGroup(t, outsider, group.id))).toEqual([404, 'CHAT_NOT_FOUND']);

    expect(outcome(await leaveGroup(t, a, group.id))).toEqual([409, 'OWNER_MUST_TRANSFER']);
    expect(outcome(await removeMember(t, a, group.id, a.id))).toEqual([409, 'OWNER_MUST_TRANSFER']);
    expect((await chatOf(t, a, group.id)).memberCount).toBe(2);

    const cLeft = next(sa, 'chat:member_removed', (e) => e.userId === c.id);
    expect((await removeMember(t, c, group.id, c.id)).status).toBe(204);
    expect(await cLeft).toMatchObject({ seq: 3, userId: c.id, reason: 'left', memberCount: 1 });

    // Alone, the owner may go: nobody remains to hand it to.
    expect((await leaveGroup(t, a, group.id)).status).toBe(204);
    expect(outcome(await t.http.get(`/api/chats/${group.id}`, a.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
  });
});

describe('roles', () => {
  it('only the owner changes roles (200 MemberView); every member hears chat:member_role_changed', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const sc = await t.online(c);
    const changes = new Inbox(sc, 'chat:member_role_changed');

    const res = await setRole(t, a, group.id, b.id, 'admin');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ user: publicUser(b), role: 'admin', joinedAt: expect.any(String) });
    expect((await changes.waitFor(1))[0]).toMatchObject({
      chatId: group.id,
      seq: 2,
      userId: b.id,
      role: 'admin',
      message: {
        chatId: group.id,
        seq: 2,
        kind: 'system',
        sender: { id: a.id },
        event: { type: 'member_role_changed', userId: b.id, role: 'admin' },
      },
    });

    expect(outcome(await setRole(t, b, group.id, c.id, 'admin'))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await setRole(t, c, group.id, c.id, 'admin'))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await setRole(t, a, group.id, a.id, 'member'))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await setRole(t, a, group.id, c.id, 'owner'))).toEqual([400, 'VALIDATION_FAILED']);

    expect((await setRole(t, a, group.id, b.id, 'member')).body.role).toBe('member');
    expect((await changes.waitFor(2))[1]).toMatchObject({ seq: 3, userId: b.id, role: 'member' });
    const { members } = await membersOf(t, c, group.id);
    expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [a.id, 'owner'],
        [b.id, 'member'],
        [c.id, 'member'],
      ].sort(),
    );
    await settle(sc);
    expect(changes.items).toHaveLength(2);
  });

  it('hand-over: two chat:member_role_changed (the new owner, then the old one as admin), and the roles after', async () => {
    const [a, b, c, stranger] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    const sc = await t.online(c);
    const changes = new Inbox(sc, 'chat:member_role_changed');

    expect(
      outcome(await t.http.post(`/api/chats/${group.id}/owner`, { userId: b.id }, c.accessToken)),
    ).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(await t.http.post(`/api/chats/${group.id}/owner`, { userId: stranger.id }, a.accessToken)),
    ).toEqual([404, 'USER_NOT_FOUND']);

    const res = await t.http.post(`/api/chats/${group.id}/owner`, { userId: b.id }, a.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      owner: { user: publicUser(b), role: 'owner', joinedAt: expect.any(String) },
      previousOwner: { user: publicUser(a), role: 'admin', joinedAt: expect.any(String) },
    });
    const events = await changes.waitFor(2);
    expect(events.map((e) => [e.userId, e.role, e.seq, e.message.seq])).toEqual([
      [b.id, 'owner', 2, 2],
      [a.id, 'admin', 3, 3],
    ]);
    expect(events.map((e) => e.message.event)).toEqual([
      { type: 'member_role_changed', userId: b.id, role: 'owner' },
      { type: 'member_role_changed', userId: a.id, role: 'admin' },
    ]);

    expect((await chatOf(t, a, group.id)).role).toBe('admin');
    expect((await chatOf(t, b, group.id)).role).toBe('owner');
    const { members } = await membersOf(t, c, group.id);
    expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [a.id, 'admin'],
        [b.id, 'owner'],
        [c.id, 'member'],
      ].sort(),
    );

    // The rights went with it.
    expect(outcome(await setRole(t, a, group.id, c.id, 'admin'))).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(await t.http.post(`/api/chats/${group.id}/owner`, { userId: c.id }, a.accessToken)),
    ).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await removeMember(t, a, group.id, b.id))).toEqual([403, 'FORBIDDEN']);
    expect((await setRole(t, b, group.id, c.id, 'admin')).status).toBe(200);
    expect(outcome(await leaveGroup(t, b, group.id))).toEqual([409, 'OWNER_MUST_TRANSFER']);
    expect((await leaveGroup(t, a, group.id)).status).toBe(204);
  });
});

describe('GET /api/chats/:chatId/members', () => {
  it('pages members oldest first with nextCursor, without repeats; outsiders get 404', async () => {
    const [a, outsider, ...joiners] = await users(6);
    const group = await createGroup(t, a);
    for (const joiner of joiners) await addMembersOk(t, a, group.id, [joiner]);

    const first = await t.http.get(`/api/chats/${group.id}/members?limit=2`, joiners[0]!.accessToken);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { members, pages } = await membersOf(t, joiners[0]!, group.id, 2);
    expect(pages).toBe(3);
    expect(members.map((m) => m.user.id)).toEqual([a.id, ...joiners.map((j) => j.id)]);
    expect(members.map((m) => m.role)).toEqual(['owner', 'member', 'member', 'member', 'member']);
    expect(members.slice(0, 2)).toEqual(first.body.items);
    const whole = await t.http.get(`/api/chats/${group.id}/members`, a.accessToken);
    expect(whole.body).toEqual({ items: members, nextCursor: null });

    expect(outcome(await t.http.get(`/api/chats/${group.id}/members`, outsider.accessToken))).toEqual([
      404,
      'CHAT_NOT_FOUND',
    ]);
    expect((await t.http.get(`/api/chats/${group.id}/members?limit=0`, a.accessToken)).status).toBe(400);
    expect((await t.http.get(`/api/chats/${group.id}/members?cursor=garbage`, a.accessToken)).status).toBe(
      400,
    );
  });
});

describe('a small cap (GROUP_MAX_MEMBERS=6)', () => {
  const cap = useTestApp({ env: { GROUP_MAX_MEMBERS: '6' } });

  it('refuses to create a group above the cap (409 GROUP_FULL), creating nothing', async () => {
    const [a, ...others] = await users(7, cap);
    const tooBig = await cap.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Seven', memberIds: others.map((o) => o.id) },
      a.accessToken,
    );
    expect(outcome(tooBig)).toEqual([409, 'GROUP_FULL']);
    expect(await chatList(cap, a)).toEqual([]);
    const six = await createGroup(cap, a, others.slice(0, 5));
    expect(six.memberCount).toBe(6);
  });

  it('adds all or nothing: above the cap 409 GROUP_FULL and nobody added', async () => {
    const [a, b, c, d, e, f, g] = await users(7, cap);
    const group = await createGroup(cap, a, [b, c, d]);
    expect(outcome(await addMembers(cap, a, group.id, [e.id, f.id, g.id]))).toEqual([409, 'GROUP_FULL']);
    expect((await chatOf(cap, a, group.id)).memberCount).toBe(4);
    for (const u of [e, f, g])
      expect((await cap.http.get(`/api/chats/${group.id}`, u.accessToken)).status).toBe(404);
    await addMembersOk(cap, a, group.id, [e, f]);
    expect(outcome(await addMembers(cap, a, group.id, [g.id]))).toEqual([409, 'GROUP_FULL']);
    // Already a member is not a new one.
    const again = await addMembers(cap, a, group.id, [b.id]);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ added: [], alreadyMembers: [b.id] });
    expect((await membersOf(cap, a, group.id)).members).toHaveLength(6);
  });

  it('concurrent adds by two admins never pass the cap: every call adds its person or gets GROUP_FULL', async () => {
    const [owner, admin] = await users(2, cap);
    const candidates = await users(16, cap);
    const group = await createGroup(cap, owner, [admin]);
    expect((await setRole(cap, owner, group.id, admin.id, 'admin')).status).toBe(200);
    const watcher = await cap.online(owner);
    const added = new Inbox(watcher, 'chat:member_added');

    const results = await Promise.all(
      candidates.map((candidate, i) => addMembers(cap, i % 2 ? admin : owner, group.id, [candidate.id])),
    );
    for (const [i, res] of results.entries()) {
      if (res.status === 200)
        expect(res.body).toEqual({ added: [candidates[i]!.id], alreadyMembers: [], notAdded: [] });
      else expect(outcome(res), JSON.stringify(res.body)).toEqual([409, 'GROUP_FULL']);
    }
    const winners = candidates.filter((_, i) => results[i]!.status === 200);
    // Four places were free; with 16 asking, every one of them was taken.
    expect(winners).toHaveLength(4);
    expect((await chatOf(cap, owner, group.id)).memberCount).toBe(6);
    const { members } = await membersOf(cap, owner, group.id);
    expect(sorted(members.map((m) => m.user.id))).toEqual(
      sorted([owner.id, admin.id, ...winners.map((w) => w.id)]),
    );
    const events = await added.waitFor(4);
    expect(events.map((e) => e.memberCount).sort()).toEqual([3, 4, 5, 6]);
    await settle(watcher);
    expect(added.items).toHaveLength(4);
  });
});

describe('sending to a group (chatId)', () => {
  it('every socket of every member gets chat:message_receive with the group’s chatId', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const sockets = [await t.online(a), await t.online(a), await t.online(b), await t.online(c)];
    const arrivals = sockets.map((s) => next(s, 'chat:message_receive', (m) => m.content === 'hello group'));
    const ack = await send(sockets[0]!, { chatId: group.id, content: 'hello group' });
    expect(ack.ok).toBe(true);
    const message = (ack as { message: MessageView }).message;
    expect(message).toMatchObject({
      chatId: group.id,
      seq: 2,
      kind: 'user',
      event: null,
      content: 'hello group',
      sender: { id: a.id, name: a.name },
    });
    for (const arrival of arrivals) expect(await arrival).toEqual(message);
    // b answers the same way.
    const atA = next(sockets[1]!, 'chat:message_receive', (m) => m.content === 'hi all');
    const answer = await sendOk(sockets[2]!, { chatId: group.id, content: 'hi all' });
    expect(await atA).toEqual(answer);
    expect((await historyOf(t, c, group.id)).slice(0, 2)).toEqual([answer, message]);
  });

  it('refuses a non-member (CHAT_NOT_FOUND) and both or neither of chatId and receiverId (VALIDATION_FAILED), storing nothing', async () => {
    const [a, b, outsider] = await users(3);
    const group = await createGroup(t, a, [b]);
    const [sa, sb, so] = [await t.online(a), await t.online(b), await t.online(outsider)];
    const received = new Inbox(sb, 'chat:message_receive');
    expect(await send(so, { chatId: group.id, content: 'let me in' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(await send(sa, { chatId: randomUUID(), content: 'nowhere' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NOT_FOUND' },
    });
    expect(await send(sa, { chatId: group.id, receiverId: b.id, content: 'both' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await send(sa, { content: 'neither' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await send(sa, { chatId: 'not-a-uuid', content: 'bad' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect((await historyOf(t, a, group.id)).map((m) => m.kind)).toEqual(['system']);
    expect(await chatList(t, outsider)).toEqual([]);
    await settle(sb);
    expect(userMessages(received.items)).toEqual([]);
  });

  it('a direct chat takes chatId too', async () => {
    const [a, b] = await users(2);
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const first = await sendOk(sa, { receiverId: b.id, content: 'by receiverId' });
    const atA = next(sa, 'chat:message_receive', (m) => m.content === 'by chatId');
    const answer = await sendOk(sb, { chatId: first.chatId, content: 'by chatId' });
    expect(answer).toMatchObject({ chatId: first.chatId, seq: 2, kind: 'user' });
    expect(await atA).toEqual(answer);
  });
});

describe('history visibility', () => {
  it('since_join (the default): a new member’s history and sync start at the system message that added them', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b]);
    const sa = await t.online(a);
    await sendOk(sa, { chatId: group.id, content: 'before c 1' });
    await sendOk(sa, { chatId: group.id, content: 'before c 2' });
    await addMembersOk(t, a, group.id, [c]);

    const [added] = await historyOf(t, c, group.id);
    expect(await historyOf(t, c, group.id)).toHaveLength(1);
    expect(added).toMatchObject({
      seq: 4,
      kind: 'system',
      event: { type: 'member_added', userIds: [c.id] },
    });
    const later = await sendOk(sa, { chatId: group.id, content: 'after c' });
    expect(await historyOf(t, c, group.id)).toEqual([later, added]);
    const synced = (await syncAll(t, c)).flatMap((p) => p.messages).filter((m) => m.chatId === group.id);
    expect(synced).toEqual([added, later]);
    // b, there from the start, sees everything.
    expect((await historyOf(t, b, group.id)).map((m) => m.seq)).toEqual([5, 4, 3, 2, 1]);
    const listed = (await chatList(t, c)).find((chat) => chat.id === group.id)!;
    expect(listed.lastMessage).toEqual(later);
  });

  it('all: a new member sees the history from the beginning', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b]);
    const sa = await t.online(a);
    const early = await sendOk(sa, { chatId: group.id, content: 'early' });
    expect((await updateGroup(t, a, group.id, { historyVisibility: 'all' })).status).toBe(200);
    await addMembersOk(t, a, group.id, [c]);
    const seen = await historyOf(t, c, group.id);
    expect(seen).toEqual(await historyOf(t, a, group.id));
    expect(seen.map((m) => m.seq)).toEqual([4, 3, 2, 1]);
    expect(seen).toContainEqual(early);
    const synced = (await syncAll(t, c)).flatMap((p) => p.messages).filter((m) => m.chatId === group.id);
    expect(synced.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe('system messages', () => {
  it('cannot be edited, deleted or reacted to (403 FORBIDDEN), over the socket or REST', async () => {
    const [a, b] = await users(2);
    const group = await createGroup(t, a, [b]);
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const [created] = await historyOf(t, a, group.id);
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } };
    expect(await emit(sa, 'chat:message_edit', { messageId: created!.id, content: 'rewritten' })).toEqual(
      forbidden,
    );
    expect(await emit(sa, 'chat:message_delete', { messageId: created!.id, scope: 'everyone' })).toEqual(
      forbidden,
    );
    expect(await emit(sb, 'chat:reaction_add', { messageId: created!.id, emoji: '👍' })).toEqual(forbidden);
    expect(
      outcome(await t.http.patch(`/api/messages/${created!.id}`, { content: 'x' }, a.accessToken)),
    ).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(
        await t.http.request('DELETE', `/api/messages/${created!.id}?scope=everyone`, {
          token: a.accessToken,
        }),
      ),
    ).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(
        await t.http.request('PUT', `/api/messages/${created!.id}/reactions/${encodeURIComponent('🎉')}`, {
          token: b.accessToken,
        }),
      ),
    ).toEqual([403, 'FORBIDDEN']);
    expect(await historyOf(t, b, group.id)).toEqual([created]);
  });
});

describe('receipts and typing in a small group', () => {
  it('a read receipt, a delivered receipt and typing reach the other members; the reads route lists the readers', async () => {
    const [a, b, c, outsider] = await users(4);
    const group = await createGroup(t, a, [b, c]);
    const [sa, sb, sc] = [await t.online(a), await t.online(b), await t.online(c)];
    const m = await sendOk(sa, { chatId: group.id, content: 'read me' });

    const readAt = [next(sa, 'chat:message_read'), next(sc, 'chat:message_read')];
    const ack = await emit(sb, 'chat:message_read', { chatId: group.id, messageId: m.id });
    const receipt = {
      chatId: group.id,
      userId: b.id,
      messageId: m.id,
      seq: m.seq,
      readAt: expect.any(String),
    };
    expect(ack).toMatchObject({ ok: true, receipt });
    for (const arrival of readAt) expect(await arrival).toEqual(receipt);
    // Not every other member has read it yet.
    expect((await chatOf(t, a, group.id)).peerReadSeq).toBeLessThan(m.seq);

    const reads = await t.http.get(`/api/chats/${group.id}/messages/${m.id}/reads`, a.accessToken);
    expect(reads.status, JSON.stringify(reads.body)).toBe(200);
    expect(reads.body).toEqual({ items: [{ user: publicUser(b), readSeq: m.seq }], nextCursor: null });

    const cRead = next(sa, 'chat:message_read', (r) => r.userId === c.id);
    const rest = await t.http.post(`/api/chats/${group.id}/read`, { messageId: m.id }, c.accessToken);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(await cRead).toMatchObject({ userId: c.id, seq: m.seq });
    expect((await chatOf(t, a, group.id)).peerReadSeq).toBe(m.seq);
    const firstPage = await t.http.get(
      `/api/chats/${group.id}/messages/${m.id}/reads?limit=1`,
      b.accessToken,
    );
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const secondPage = await t.http.get(
      `/api/chats/${group.id}/messages/${m.id}/reads?limit=1&cursor=${encodeURIComponent(firstPage.body.nextCursor)}`,
      b.accessToken,
    );
    expect(secondPage.body.nextCursor).toBeNull();
    const readers = [...firstPage.body.items, ...secondPage.body.items] as { user: { id: string } }[];
    // The sender is never among them.
    expect(sorted(readers.map((r) => r.user.id))).toEqual(sorted([b.id, c.id]));
    expect(
      outcome(await t.http.get(`/api/chats/${group.id}/messages/${m.id}/reads`, outsider.accessToken)),
    ).toEqual([404, 'CHAT_NOT_FOUND']);

    // A message c has not read yet (reading moves the delivered mark too): c's device confirms it.
    const m2 = await sendOk(sa, { chatId: group.id, content: 'delivered?' });
    const delivered = next(sa, 'chat:message_delivered');
    expect((await emit(sc, 'chat:message_delivered', { chatId: group.id, messageId: m2.id })).ok).toBe(true);
    expect(await delivered).toMatchObject({ chatId: group.id, userId: c.id, messageId: m2.id, seq: m2.seq });

    const typingAt = [next(sa, 'chat:typing'), next(sc, 'chat:typing')];
    const typistHears = new Inbox(sb, 'chat:typing');
    expect(await emit(sb, 'chat:typing', { chatId: group.id, isTyping: true })).toEqual({ ok: true });
    for (const arrival of typingAt)
      expect(await arrival).toEqual({ chatId: group.id, userId: b.id, isTyping: true });
    await settle(sb);
    expect(typistHears.items).toEqual([]);
  });
});

describe('the chat list', () => {
  it('shows a group with its title, memberCount, last message (system messages too) and unread count', async () => {
    const [a, b, c, d] = await users(4);
    const sb = await t.online(b);
    await sendOk(sb, { receiverId: c.id, content: 'an older direct chat' });
    const group = await createGroup(t, a, [b, c], { title: 'Listed' });
    const entry = async (): Promise<ChatView> => (await chatList(t, b)).find((chat) => chat.id === group.id)!;

    const start = await entry();
    expect(start).toMatchObject({
      type: 'GROUP',
      peer: null,
      title: 'Listed',
      memberCount: 3,
      role: 'member',
      lastMessage: { kind: 'system', event: { type: 'created' } },
    });
    expect((await chatList(t, b))[0]!.id).toBe(group.id);

    const sa = await t.online(a);
    await sendOk(sa, { chatId: group.id, content: 'one' });
    const two = await sendOk(sa, { chatId: group.id, content: 'two' });
    const afterTwo = await entry();
    expect(afterTwo.unreadCount).toBe(start.unreadCount + 2);
    expect(afterTwo.lastMessage).toEqual(two);

    await addMembersOk(t, a, group.id, [d]);
    const afterAdd = await entry();
    expect(afterAdd.memberCount).toBe(4);
    expect(afterAdd.lastMessage).toMatchObject({
      kind: 'system',
      event: { type: 'member_added', userIds: [d.id] },
    });

    const read = await t.http.post(
      `/api/chats/${group.id}/read`,
      { messageId: afterAdd.lastMessage!.id },
      b.accessToken,
    );
    expect(read.status).toBe(200);
    expect((await entry()).unreadCount).toBe(0);

    await sendOk(sb, { receiverId: c.id, content: 'the direct chat again' });
    expect((await chatList(t, b))[1]!.id).toBe(group.id);
  });
});
