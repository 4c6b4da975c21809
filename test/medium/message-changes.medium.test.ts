import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChatsService } from '../../src/chats/chats.service.js';
import type { DatabaseHandle } from '../../src/database/database.js';
import { DATABASE } from '../../src/database/database.module.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { createUser, type TestUser } from '../support/factories.js';
import { useTestApp } from '../support/use-test-app.js';

// The message path's rules, called on the service itself, on the real database.
const t = useTestApp();
const messages = () => t.app.app.get(MessagesService);
const chats = () => t.app.app.get(ChatsService);
const db = () => t.app.app.get<DatabaseHandle>(DATABASE);
const profile = (u: TestUser) => ({ id: u.id, name: u.name, avatar: null });
const send = (from: TestUser, to: TestUser, content: string) =>
  messages().send(profile(from), {
    receiverId: to.id,
    chatId: null,
    content,
    mediaUrl: null,
    mediaType: null,
    clientMessageId: null,
    replyToId: null,
  });
const unread = async (user: TestUser, chatId: string) =>
  (await chats().listChats(user.id, 50)).items.find((c) => c.id === chatId)!.unreadCount;
const lastSeq = async (chatId: string) =>
  (await db().query<{ last_seq: number }>('SELECT last_seq FROM chats WHERE id = $1', [chatId]))[0]!.last_seq;

describe('unread counts stay right through deletes and hides, without counting history', () => {
  it('drop for what is deleted or hidden while unread, and never for what was read or one’s own', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const m1 = await send(a, b, 'one');
    const m2 = await send(a, b, 'two');
    const m3 = await send(a, b, 'three');
    const chatId = m1.chatId;
    expect(await unread(b, chatId)).toBe(3);
    await messages().delete(a.id, m2.id, 'everyone');
    expect(await unread(b, chatId)).toBe(2);
    await messages().delete(b.id, m3.id, 'me');
    expect(await unread(b, chatId)).toBe(1);
    // Hidden, then deleted for everyone: it counts once.
    await messages().delete(a.id, m3.id, 'everyone');
    expect(await unread(b, chatId)).toBe(1);
    // An edit or a reaction is no message: nothing changes.
    await messages().edit(a.id, m1.id, 'one, edited');
    await messages().react(b.id, m1.id, '👍', 'add');
    expect(await unread(b, chatId)).toBe(1);
    // Reading up to m1 leaves nothing: the rest are gone for b.
    const read = await chats().markRead(b.id, chatId, m1.id);
    expect(read.unreadCount).toBe(0);
    expect(await unread(b, chatId)).toBe(0);
    // a hides b's... a's own message: a has read it (sending moved a's mark), so nothing moves for a.
    expect(await unread(a, chatId)).toBe(0);
    await messages().delete(a.id, m1.id, 'me');
    expect(await unread(a, chatId)).toBe(0);
    // A new message counts again, and reading an older one leaves the deleted ones out.
    const m4 = await send(a, b, 'four');
    await messages().delete(a.id, m4.id, 'everyone');
    const m5 = await send(a, b, 'five');
    expect(await unread(b, chatId)).toBe(1);
    expect((await chats().markRead(b.id, chatId, m5.id)).unreadCount).toBe(0);
  });
});

describe('what takes a seq', () => {
  it('a change that changes nothing takes none, and is no event', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const m = await send(a, b, 'hi');
    await messages().react(b.id, m.id, '👍', 'add');
    const after = await lastSeq(m.chatId);
    await messages().react(b.id, m.id, '👍', 'add');
    await messages().react(b.id, m.id, '🎉', 'remove');
    await messages().delete(b.id, m.id, 'me');
    await messages().delete(b.id, m.id, 'me');
    expect(await lastSeq(m.chatId)).toBe(after + 1);
    const kinds = await db().query<{ kind: string }>(
      'SELECT kind FROM chat_events WHERE chat_id = $1 ORDER BY seq',
      [m.chatId],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['reaction_added', 'message_hidden']);
  });

  it('changes to one message sent together are applied one after the other, in order', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const m = await send(a, b, 'v0');
    const edits = await Promise.all(['v1', 'v2', 'v3'].map((v) => messages().edit(a.id, m.id, v)));
    expect(edits.map((e) => e.content)).toContain('v3');
    const events = await db().query<{ seq: number; data: { content: string } }>(
      `SELECT seq, data FROM chat_events WHERE message_id = $1 ORDER BY seq`,
      [m.id],
    );
    expect(events.map((e) => e.data.content)).toEqual(['v1', 'v2', 'v3']);
    expect(events.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect((await messages().history(b.id, m.chatId, { limit: 1 })).items[0]!.content).toBe('v3');
  });

  it('a delete for everyone scrubs the text of the message’s earlier edits from the log', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const m = await send(a, b, 'secret');
    await messages().edit(a.id, m.id, 'still secret');
    await messages().delete(a.id, m.id, 'everyone');
    const logged = await db().query<{ data: object }>(
      `SELECT data FROM chat_events WHERE message_id = $1 AND kind = 'message_edited'`,
      [m.id],
    );
    expect(logged).toEqual([{ data: {} }]);
  });
});

describe('reaction limits', () => {
  async function crowdedChat(members: number) {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const m = await send(a, b, 'react to me');
    const others: string[] = [];
    for (let i = 0; i < members; i++) {
      const id = randomUUID();
      await db().query(`INSERT INTO users (id, email, password_hash, name) VALUES ($1, $2, 'x', 'member')`, [
        id,
        `${id}@example.test`,
      ]);
      // Direct chats have two members; the rule is about messages with more people around them.
      await db().query('INSERT INTO chat_members (chat_id, user_id) VALUES ($1, $2)', [m.chatId, id]);
      others.push(id);
    }
    return { m, others };
  }

  it('at most 20 different emoji on a message', async () => {
    const { m, others } = await crowdedChat(7);
    const emoji = [
      '🍎',
      '🍐',
      '🍊',
      '🍋',
      '🍌',
      '🍉',
      '🍇',
      '🍓',
      '🫐',
      '🍈',
      '🍒',
      '🍑',
      '🥭',
      '🍍',
      '🥥',
      '🥝',
      '🍅',
      '🍆',
      '🥑',
      '🥦',
      '🥬',
    ];
    for (let i = 0; i < 20; i++) await messages().react(others[Math.floor(i / 3)]!, m.id, emoji[i]!, 'add');
    await expect(messages().react(others[6]!, m.id, emoji[20]!, 'add')).rejects.toMatchObject({
      code: 'REACTION_LIMIT',
    });
    // An emoji already there is always welcome.
    const view = await messages().react(others[6]!, m.id, emoji[0]!, 'add');
    expect(view.reactions.find((r) => r.emoji === emoji[0])).toEqual({ emoji: emoji[0], count: 2, me: true });
  });

  it('the database refuses past the limits whoever writes (a writer on another instance, say)', async () => {
    const { m, others } = await crowdedChat(1);
    const insert = (emoji: string) =>
      db().query(
        'INSERT INTO message_reactions (chat_id, message_id, user_id, emoji) VALUES ($1, $2, $3, $4)',
        [m.chatId, m.id, others[0], emoji],
      );
    for (const e of ['1️⃣', '2️⃣', '3️⃣']) await insert(e);
    await expect(insert('4️⃣')).rejects.toMatchObject({ code: '23514', constraint: 'message_reactions_limit' });
  });
});
