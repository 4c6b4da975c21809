import { describe, expect, it } from 'vitest';
import type { MessageView, SyncPage } from '../../src/contract/views.js';
import { mediaFixture, uploadFile } from '../fixtures/media-files.js';
import { ChatState } from '../support/chat-state.js';
import { createUser, type TestUser } from '../support/factories.js';
import { type ClientSocket, emitAck, Inbox, send, sendOk, settle } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// A short window, passed by moving the app's clock, never by waiting.
const WINDOW_MS = 60_000;
const t = useTestApp({ env: { MESSAGE_EDIT_WINDOW: '1m' } });

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary ack shapes
type Ack = any;
const emit = (socket: ClientSocket, event: string, payload: unknown): Promise<Ack> =>
  emitAck(socket, event, payload);

/** Two users with a socket each and a first message from a to b. */
async function conversation() {
  const [a, b] = [await createUser(t.http), await createUser(t.http)];
  const [sa, sb] = [await t.online(a), await t.online(b)];
  const first = await sendOk(sa, { receiverId: b.id, content: 'first' });
  return { a, b, sa, sb, chatId: first.chatId, first };
}

async function history(user: TestUser, chatId: string, query = ''): Promise<MessageView[]> {
  const res = await t.http.get(`/api/chats/${chatId}/messages?limit=100${query}`, user.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

async function unread(user: TestUser, chatId: string): Promise<number> {
  const chats = (await t.http.get('/api/chats', user.accessToken)).body.items as {
    id: string;
    unreadCount: number;
  }[];
  return chats.find((c) => c.id === chatId)!.unreadCount;
}

async function syncAll(user: TestUser, since?: string, limit = 500): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  let token = since;
  for (;;) {
    const res = await t.http.get(
      `/api/sync?limit=${limit}${token ? `&since=${encodeURIComponent(token)}` : ''}`,
      user.accessToken,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    token = res.body.token;
    if (!res.body.hasMore) return pages;
  }
}

describe('reply', () => {
  it('carries a preview of the answered message as it is now, to both sides', async () => {
    const { a, b, sa, sb, first } = await conversation();
    const received = new Inbox(sa, 'chat:message_receive');
    const long = 'x'.repeat(150);
    const original = await sendOk(sb, { receiverId: a.id, content: long });
    const reply = await sendOk(sa, { receiverId: b.id, content: 'agreed', replyToId: original.id });
    expect(reply.replyTo).toEqual({
      id: original.id,
      senderId: b.id,
      preview: 'x'.repeat(100),
      mediaType: null,
      deleted: false,
    });
    expect((await received.waitFor(2))[1]).toEqual(reply);
    // Never a copy: the preview follows an edit of the original, and its delete.
    await emit(sb, 'chat:message_edit', { messageId: original.id, content: 'changed my mind' });
    expect((await history(a, first.chatId)).find((m) => m.id === reply.id)!.replyTo!.preview).toBe(
      'changed my mind',
    );
    await emit(sb, 'chat:message_delete', { messageId: original.id, scope: 'everyone' });
    expect((await history(b, first.chatId)).find((m) => m.id === reply.id)!.replyTo).toEqual({
      id: original.id,
      senderId: b.id,
      preview: '',
      mediaType: null,
      deleted: true,
    });
    // A tombstone keeps nothing of what it said, its link to what it answered included.
    await emit(sa, 'chat:message_delete', { messageId: reply.id, scope: 'everyone' });
    expect((await history(b, first.chatId)).find((m) => m.id === reply.id)!.replyTo).toBeNull();
  });

  it('refuses a message of another chat, an unknown one and a malformed id, storing nothing', async () => {
    const { b, sa, chatId } = await conversation();
    const c = await createUser(t.http);
    const elsewhere = await sendOk(sa, { receiverId: c.id, content: 'in another chat' });
    expect(await send(sa, { receiverId: b.id, content: 'x', replyToId: elsewhere.id })).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_NOT_FOUND' },
    });
    expect(
      await send(sa, { receiverId: b.id, content: 'x', replyToId: '00000000-0000-4000-8000-000000000001' }),
    ).toMatchObject({ ok: false, error: { code: 'MESSAGE_NOT_FOUND' } });
    expect(await send(sa, { receiverId: b.id, content: 'x', replyToId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect((await history(b, chatId)).map((m) => m.content)).toEqual(['first']);
  });

  it('refuses to answer a deleted message, and to a new peer creates no chat', async () => {
    const { a, b, sa, first } = await conversation();
    await emit(sa, 'chat:message_delete', { messageId: first.id, scope: 'everyone' });
    expect(await send(sa, { receiverId: b.id, content: 'x', replyToId: first.id })).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_DELETED' },
    });
    const stranger = await createUser(t.http);
    expect(await send(sa, { receiverId: stranger.id, content: 'x', replyToId: first.id })).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_NOT_FOUND' },
    });
    expect((await t.http.get('/api/chats', stranger.accessToken)).body.items).toEqual([]);
    expect((await history(a, first.chatId)).map((m) => m.id)).toEqual([first.id]);
  });
});

describe('edit', () => {
  it('reaches every device of every member with the chat’s next seq, and leaves unread counts alone', async () => {
    const { a, b, sa, chatId, first } = await conversation();
    const b2 = await t.online(b);
    const [atA, atB] = [new Inbox(sa, 'chat:message_edited'), new Inbox(b2, 'chat:message_edited')];
    expect(await unread(b, chatId)).toBe(1);
    const ack = await emit(sa, 'chat:message_edit', { messageId: first.id, content: '  first, edited  ' });
    expect(ack.ok).toBe(true);
    expect(ack.message).toMatchObject({ id: first.id, seq: first.seq, content: 'first, edited' });
    expect(ack.message.editedAt).toEqual(expect.any(String));
    const event = {
      chatId,
      messageId: first.id,
      seq: 2,
      content: 'first, edited',
      editedAt: ack.message.editedAt,
    };
    expect(await atB.waitFor(1)).toEqual([event]);
    expect(await atA.waitFor(1)).toEqual([event]);
    expect(await unread(b, chatId)).toBe(1);
    expect((await history(b, chatId))[0]).toEqual(ack.message);
    // The next message takes the seq after the edit's.
    expect((await sendOk(sa, { receiverId: b.id, content: 'next' })).seq).toBe(3);
    expect(await unread(b, chatId)).toBe(2);
    expect((await history(a, chatId)).map((m) => m.seq)).toEqual([3, 1]);
  });

  it('over REST too, with the same rules', async () => {
    const { a, b, chatId, first } = await conversation();
    const res = await t.http.patch(`/api/messages/${first.id}`, { content: 'via REST' }, a.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: first.id, content: 'via REST', chatId });
    const forbidden = await t.http.patch(`/api/messages/${first.id}`, { content: 'mine now' }, b.accessToken);
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('refuses non-authors, non-members, deleted messages, a passed window and bad text, changing nothing', async () => {
    const { a, b, sa, sb, chatId, first } = await conversation();
    const outsider = await t.online(await createUser(t.http));
    const edit = (socket: ClientSocket, content: string, messageId = first.id) =>
      emit(socket, 'chat:message_edit', { messageId, content });
    expect((await edit(sb, 'not yours')).error.code).toBe('FORBIDDEN');
    expect((await edit(outsider, 'not your chat')).error.code).toBe('MESSAGE_NOT_FOUND');
    expect((await edit(sa, 'unknown', '00000000-0000-4000-8000-000000000002')).error.code).toBe(
      'MESSAGE_NOT_FOUND',
    );
    expect((await edit(sa, '   ')).error.code).toBe('VALIDATION_FAILED');
    expect((await edit(sa, 'nul\u0000')).error.code).toBe('VALIDATION_FAILED');
    expect((await edit(sa, 'x'.repeat(4001))).error.code).toBe('VALIDATION_FAILED');
    expect((await emit(sa, 'chat:message_edit', { messageId: first.id })).error.code).toBe(
      'VALIDATION_FAILED',
    );

    const older = await sendOk(sa, { receiverId: b.id, content: 'soon too old' });
    t.app.clock.advance(WINDOW_MS + 1000);
    expect((await edit(sa, 'too late', older.id)).error.code).toBe('EDIT_WINDOW_EXPIRED');
    const late = await t.http.patch(`/api/messages/${older.id}`, { content: 'too late' }, a.accessToken);
    expect([late.status, late.body.code]).toEqual([409, 'EDIT_WINDOW_EXPIRED']);

    const fresh = await sendOk(sa, { receiverId: b.id, content: 'to delete' });
    await emit(sa, 'chat:message_delete', { messageId: fresh.id, scope: 'everyone' });
    expect((await edit(sa, 'too late', fresh.id)).error.code).toBe('MESSAGE_DELETED');
    const gone = await t.http.patch(`/api/messages/${fresh.id}`, { content: 'x' }, a.accessToken);
    expect([gone.status, gone.body.code]).toEqual([410, 'MESSAGE_DELETED']);

    expect((await history(b, chatId)).map((m) => [m.content, m.editedAt])).toEqual([
      ['', null],
      ['soon too old', null],
      ['first', null],
    ]);
  });

  it('keeps the media of a media message, and lets its text be emptied', async () => {
    const { b, sa, chatId } = await conversation();
    const clip = await sendOk(sa, {
      receiverId: b.id,
      content: 'watch',
      mediaUrl: 'https://www.youtube.com/watch?v=XOgZo66gKQA',
    });
    const ack = await emit(sa, 'chat:message_edit', { messageId: clip.id, content: '' });
    expect(ack.message).toMatchObject({ content: '', mediaUrl: clip.mediaUrl, mediaType: 'VIDEO' });
    expect((await history(b, chatId))[0]).toMatchObject({ content: '', mediaType: 'VIDEO' });
  });
});

describe('delete', () => {
  it('for everyone: a tombstone for every device, unread drops for whoever had not read it', async () => {
    const { a, b, sa, sb, chatId, first } = await conversation();
    const second = await sendOk(sa, { receiverId: b.id, content: 'second' });
    await emit(sb, 'chat:reaction_add', { messageId: second.id, emoji: '👍' });
    const [atA, atB] = [new Inbox(sa, 'chat:message_deleted'), new Inbox(sb, 'chat:message_deleted')];
    expect(await unread(b, chatId)).toBe(2);
    const ack = await emit(sa, 'chat:message_delete', { messageId: second.id, scope: 'everyone' });
    const tombstone = {
      ...second,
      content: '',
      mediaUrl: null,
      mediaType: null,
      reactions: [],
      deletedAt: expect.any(String),
    };
    expect(ack).toEqual({ ok: true, message: tombstone });
    const event = {
      chatId,
      messageId: second.id,
      seq: 4,
      scope: 'everyone',
      deletedAt: ack.message.deletedAt,
    };
    expect(await atB.waitFor(1)).toEqual([event]);
    expect(await atA.waitFor(1)).toEqual([event]);
    expect(await unread(b, chatId)).toBe(1);
    expect(await history(b, chatId)).toEqual([tombstone, { ...first, reactions: [] }]);
    // The last message of the chat list is the tombstone: nothing of its text is left.
    const listed = (await t.http.get('/api/chats', b.accessToken)).body.items[0];
    expect(listed.lastMessage).toMatchObject({ id: second.id, content: '', deletedAt: expect.any(String) });
    // Twice is fine, and changes nothing more.
    expect(await emit(sa, 'chat:message_delete', { messageId: second.id, scope: 'everyone' })).toEqual({
      ok: true,
      message: tombstone,
    });
    const rest = await t.http.request('DELETE', `/api/messages/${second.id}?scope=everyone`, {
      token: a.accessToken,
    });
    expect(rest.status).toBe(200);
    await settle(sb);
    expect(atB.items).toHaveLength(1);
  });

  it('for everyone: an upload attached only to it is no longer served', async () => {
    const { a, b, sa, chatId } = await conversation();
    const upload = await uploadFile(t.app.baseUrl, a.accessToken, mediaFixture('voice.ogg'));
    const note = await sendOk(sa, { receiverId: b.id, content: '', mediaUrl: upload.body.url });
    const fetchAs = (user: TestUser) =>
      fetch(`${t.app.baseUrl}/api/media/${upload.body.id}`, {
        headers: { authorization: `Bearer ${user.accessToken}` },
      });
    expect((await fetchAs(b)).status).toBe(200);
    await emit(sa, 'chat:message_delete', { messageId: note.id, scope: 'everyone' });
    await expect.poll(async () => (await fetchAs(b)).status).toBe(404);
    await expect.poll(async () => (await fetchAs(a)).status).toBe(404);
    expect((await history(b, chatId))[0]).toMatchObject({ id: note.id, mediaUrl: null, mediaType: null });
  });

  it('for me: hidden from my history, sync and unread only, and only my devices hear of it', async () => {
    const { a, b, sa, sb, chatId, first } = await conversation();
    const b2 = await t.online(b);
    const [atA, atB2] = [new Inbox(sa, 'chat:message_deleted'), new Inbox(b2, 'chat:message_deleted')];
    const before = (await syncAll(b)).at(-1)!.token;
    expect(await unread(b, chatId)).toBe(1);
    const ack = await emit(sb, 'chat:message_delete', { messageId: first.id, scope: 'me' });
    expect(ack.ok).toBe(true);
    const [event] = await atB2.waitFor(1);
    expect(event).toEqual({
      chatId,
      messageId: first.id,
      seq: 2,
      scope: 'me',
      deletedAt: expect.any(String),
    });
    expect(await unread(b, chatId)).toBe(0);
    expect(await history(b, chatId)).toEqual([]);
    expect((await history(a, chatId)).map((m) => m.id)).toEqual([first.id]);
    const pages = await syncAll(b, before);
    expect(pages.flatMap((p) => p.events)).toEqual([{ type: 'message_deleted', ...event }]);
    expect((await syncAll(b)).flatMap((p) => p.messages)).toEqual([]);
    // a's sync carries nothing of it.
    expect((await syncAll(a)).flatMap((p) => p.events)).toEqual([]);
    await settle(sa);
    expect(atA.items).toEqual([]);
    // Twice is fine.
    expect((await emit(sb, 'chat:message_delete', { messageId: first.id, scope: 'me' })).ok).toBe(true);
  });

  it('refuses non-authors for everyone, a passed window, non-members and a bad scope', async () => {
    const { sa, sb, first } = await conversation();
    const outsider = await t.online(await createUser(t.http));
    const del = (socket: ClientSocket, scope: unknown) =>
      emit(socket, 'chat:message_delete', { messageId: first.id, scope });
    expect((await del(sb, 'everyone')).error.code).toBe('FORBIDDEN');
    expect((await del(outsider, 'me')).error.code).toBe('MESSAGE_NOT_FOUND');
    expect((await del(sa, 'all')).error.code).toBe('VALIDATION_FAILED');
    expect((await emit(sa, 'chat:message_delete', { messageId: first.id })).error.code).toBe(
      'VALIDATION_FAILED',
    );
    t.app.clock.advance(WINDOW_MS + 1000);
    expect((await del(sa, 'everyone')).error.code).toBe('EDIT_WINDOW_EXPIRED');
    // Hiding for oneself has no window.
    expect((await del(sa, 'me')).ok).toBe(true);
  });
});

describe('reactions', () => {
  it('are added once, counted per emoji with the viewer’s own marked, and reach every member', async () => {
    const { a, b, sa, sb, chatId, first } = await conversation();
    const updates = new Inbox(sa, 'chat:reaction_updated');
    const added = await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '👍' });
    expect(added.message.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    expect(await updates.waitFor(1)).toEqual([
      { chatId, messageId: first.id, seq: 2, emoji: '👍', userId: b.id, op: 'add', count: 1 },
    ]);
    // Again: one reaction, no event, no seq.
    expect((await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '👍' })).ok).toBe(true);
    await emit(sa, 'chat:reaction_add', { messageId: first.id, emoji: '👍' });
    await emit(sa, 'chat:reaction_add', { messageId: first.id, emoji: '❤' });
    expect((await updates.waitFor(3)).map((u) => [u.seq, u.emoji, u.count])).toEqual([
      [2, '👍', 1],
      [3, '👍', 2],
      [4, '❤️', 1],
    ]);
    // In the order each emoji first came; the app's clock stands still here, so ties go by the emoji.
    expect((await history(b, chatId))[0]!.reactions).toEqual([
      { emoji: '❤️', count: 1, me: false },
      { emoji: '👍', count: 2, me: true },
    ]);
    const removed = await emit(sb, 'chat:reaction_remove', { messageId: first.id, emoji: '👍' });
    expect(removed.message.reactions).toEqual([
      { emoji: '❤️', count: 1, me: false },
      { emoji: '👍', count: 1, me: false },
    ]);
    expect((await updates.waitFor(4))[3]).toMatchObject({ op: 'remove', count: 1, userId: b.id, seq: 5 });
    // Removing one that is not there changes nothing.
    expect((await emit(sb, 'chat:reaction_remove', { messageId: first.id, emoji: '🎉' })).ok).toBe(true);
    await settle(sa);
    expect(updates.items).toHaveLength(4);
    expect((await history(a, chatId))[0]!.reactions).toEqual([
      { emoji: '❤️', count: 1, me: true },
      { emoji: '👍', count: 1, me: true },
    ]);
  });

  it('over REST, with the emoji in the path', async () => {
    const { a, b, first } = await conversation();
    const path = `/api/messages/${first.id}/reactions/${encodeURIComponent('🎉')}`;
    const put = await t.http.request('PUT', path, { token: b.accessToken });
    expect(put.status).toBe(200);
    expect(put.body.reactions).toEqual([{ emoji: '🎉', count: 1, me: true }]);
    const gone = await t.http.request('DELETE', path, { token: b.accessToken });
    expect(gone.body.reactions).toEqual([]);
    const bad = await t.http.request('PUT', `/api/messages/${first.id}/reactions/a`, {
      token: a.accessToken,
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('refuse what is not exactly one emoji', async () => {
    const { sb, first } = await conversation();
    for (const emoji of ['a', '👍👍', '', 'x'.repeat(32), '\u0000', '1', 42, null]) {
      const ack = await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji });
      expect(ack.error?.code, JSON.stringify(emoji)).toBe('VALIDATION_FAILED');
    }
    for (const emoji of ['👨‍👩‍👧‍👦', '🇫🇷', '👍🏽', '1️⃣']) {
      expect((await emit(sb, 'chat:reaction_remove', { messageId: first.id, emoji })).ok).toBe(true);
    }
  });

  // (20 different emoji per message needs more members than a direct chat has: the service-level tests
  // check it.)
  it('take at most 3 emoji from one person', async () => {
    const { b, sb, first } = await conversation();
    for (const emoji of ['😀', '😂', '😍']) {
      expect((await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji })).ok).toBe(true);
    }
    const fourth = await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '😎' });
    expect(fourth.error.code).toBe('REACTION_LIMIT');
    const rest = await t.http.request(
      'PUT',
      `/api/messages/${first.id}/reactions/${encodeURIComponent('😎')}`,
      {
        token: b.accessToken,
      },
    );
    expect([rest.status, rest.body.code]).toEqual([409, 'REACTION_LIMIT']);
    // Taking one back makes room.
    await emit(sb, 'chat:reaction_remove', { messageId: first.id, emoji: '😀' });
    expect((await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '😎' })).ok).toBe(true);
  });

  it('refuse deleted messages and non-members', async () => {
    const { sa, sb, first } = await conversation();
    const outsider = await t.online(await createUser(t.http));
    expect((await emit(outsider, 'chat:reaction_add', { messageId: first.id, emoji: '👍' })).error.code).toBe(
      'MESSAGE_NOT_FOUND',
    );
    await emit(sa, 'chat:message_delete', { messageId: first.id, scope: 'everyone' });
    expect((await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '👍' })).error.code).toBe(
      'MESSAGE_DELETED',
    );
  });
});

describe('sync carries every change', () => {
  /** Keeps a device's state from what its socket hears, as a client does. */
  function follow(socket: ClientSocket, state: ChatState): void {
    socket.on('chat:message_receive', (m) => state.put(m));
    socket.on('chat:message_edited', (e) => state.apply({ type: 'message_edited', ...e }));
    socket.on('chat:message_deleted', (e) => state.apply({ type: 'message_deleted', ...e }));
    socket.on('chat:reaction_updated', (e) => state.apply({ type: 'reaction_updated', ...e }));
  }

  // History lists reactions in the order they first came; ChatState keeps them by emoji.
  const byEmoji = (messages: MessageView[]) =>
    messages.map((m) => ({
      ...m,
      reactions: [...m.reactions].sort((x, y) => x.emoji.localeCompare(y.emoji)),
    }));

  it('a device away during an edit, a delete for everyone, a delete for me and two reaction changes ends as one that stayed', async () => {
    const { a, b, sa, sb, chatId, first } = await conversation();
    const [online, away] = [new ChatState(b.id), new ChatState(b.id)];
    const start = await syncAll(b);
    for (const page of start) {
      online.applyPage(page);
      away.applyPage(page);
    }
    follow(sb, online);

    // While the second device is away.
    const reply = await sendOk(sa, { receiverId: b.id, content: 'answering', replyToId: first.id });
    const second = await sendOk(sa, { receiverId: b.id, content: 'regrettable' });
    const mine = await sendOk(sb, { receiverId: a.id, content: 'hide me' });
    expect((await emit(sa, 'chat:message_edit', { messageId: first.id, content: 'first, better' })).ok).toBe(
      true,
    );
    expect((await emit(sa, 'chat:message_delete', { messageId: second.id, scope: 'everyone' })).ok).toBe(
      true,
    );
    expect((await emit(sb, 'chat:message_delete', { messageId: mine.id, scope: 'me' })).ok).toBe(true);
    expect((await emit(sa, 'chat:reaction_add', { messageId: reply.id, emoji: '🔥' })).ok).toBe(true);
    expect((await emit(sb, 'chat:reaction_add', { messageId: reply.id, emoji: '🔥' })).ok).toBe(true);
    expect((await emit(sb, 'chat:reaction_remove', { messageId: reply.id, emoji: '🔥' })).ok).toBe(true);
    expect((await emit(sb, 'chat:reaction_add', { messageId: first.id, emoji: '👀' })).ok).toBe(true);
    await settle(sb);

    // Back, in pages of two: every page applied in order.
    const pages = await syncAll(b, start.at(-1)!.token, 2);
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) away.applyPage(page);

    const server = byEmoji(await history(b, chatId));
    expect(away.chat(chatId)).toEqual(server);
    expect(online.chat(chatId)).toEqual(server);
    expect(server.map((m) => m.id)).toEqual([second.id, reply.id, first.id]);
    expect(server[0]).toMatchObject({ content: '', deletedAt: expect.any(String) });
    expect(server[1]!.replyTo).toMatchObject({ id: first.id, preview: 'first, better' });
    expect(server[1]!.reactions).toEqual([{ emoji: '🔥', count: 1, me: false }]);
    expect(server[2]).toMatchObject({
      content: 'first, better',
      reactions: [{ emoji: '👀', count: 1, me: true }],
    });
    // Nothing came twice, and the changes came in seq order within the chat.
    const seqs = pages.flatMap((p) => [...p.messages, ...p.events].map((x) => x.seq)).sort((x, y) => x - y);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('shows non-members nothing of a chat’s changes', async () => {
    const { sa, first } = await conversation();
    const c = await createUser(t.http);
    const before = (await syncAll(c)).at(-1)!.token;
    await emit(sa, 'chat:message_edit', { messageId: first.id, content: 'secret edit' });
    await emit(sa, 'chat:reaction_add', { messageId: first.id, emoji: '👍' });
    const pages = await syncAll(c, before);
    expect(pages.flatMap((p) => [...p.messages, ...p.events])).toEqual([]);
    const edit = await t.http.patch(`/api/messages/${first.id}`, { content: 'x' }, c.accessToken);
    expect([edit.status, edit.body.code]).toEqual([404, 'MESSAGE_NOT_FOUND']);
    const history = await t.http.get(`/api/chats/${first.chatId}/messages`, c.accessToken);
    expect(history.status).toBe(404);
  });
});
