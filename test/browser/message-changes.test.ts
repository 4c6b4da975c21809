import { describe, expect, it } from 'vitest';
import type { ChatChange, MessageView } from '../../src/contract/views.js';
import { applyChange, applyChangeToReply, ChangeGuard, syncEntries } from '../../web/src/message-changes.js';

const ME = '00000000-0000-4000-8000-00000000000a';
const PEER = '00000000-0000-4000-8000-00000000000b';
const CHAT = '00000000-0000-4000-8000-0000000000c1';

function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1',
    chatId: CHAT,
    content: 'hello',
    mediaUrl: null,
    mediaType: null,
    sender: { id: PEER, name: 'Peer', avatar: null },
    createdAt: '2025-01-01T00:00:00.000Z',
    seq: 1,
    clientMessageId: null,
    replyTo: null,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    kind: 'user',
    event: null,
    ...overrides,
  };
}

const at = '2025-01-01T00:01:00.000Z';
const edited = (seq: number, content: string): ChatChange => ({
  type: 'message_edited',
  chatId: CHAT,
  messageId: 'm1',
  seq,
  content,
  editedAt: at,
});
const reaction = (seq: number, emoji: string, userId: string, op: 'add' | 'remove', count: number) =>
  ({ type: 'reaction_updated', chatId: CHAT, messageId: 'm1', seq, emoji, userId, op, count }) as const;
const deleted = (seq: number, scope: 'everyone' | 'me') =>
  ({ type: 'message_deleted', chatId: CHAT, messageId: 'm1', seq, scope, deletedAt: at }) as const;

describe('web client: changes to messages', () => {
  it('edits the text and marks it edited', () => {
    expect(applyChange(message(), edited(2, 'hello!'), ME)).toMatchObject({
      content: 'hello!',
      editedAt: at,
    });
  });

  it('turns a delete for everyone into a tombstone, and a delete for me into nothing', () => {
    const withMedia = message({
      mediaUrl: 'https://example.com/a.mp3',
      mediaType: 'AUDIO',
      reactions: [{ emoji: '👍', count: 1, me: true }],
    });
    expect(applyChange(withMedia, deleted(3, 'everyone'), ME)).toMatchObject({
      content: '',
      mediaUrl: null,
      mediaType: null,
      reactions: [],
      deletedAt: at,
    });
    expect(applyChange(withMedia, deleted(3, 'me'), ME)).toBeNull();
    // A tombstone takes no more edits or reactions.
    const tombstone = applyChange(withMedia, deleted(3, 'everyone'), ME)!;
    expect(applyChange(tombstone, edited(4, 'back'), ME)).toBe(tombstone);
    expect(applyChange(tombstone, reaction(5, '👍', PEER, 'add', 1), ME)).toBe(tombstone);
  });

  it('counts reactions from the event, and marks only the viewer’s own', () => {
    let m = applyChange(message(), reaction(2, '👍', PEER, 'add', 1), ME)!;
    expect(m.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
    m = applyChange(m, reaction(3, '👍', ME, 'add', 2), ME)!;
    m = applyChange(m, reaction(4, '❤️', ME, 'add', 1), ME)!;
    expect(m.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '❤️', count: 1, me: true },
    ]);
    m = applyChange(m, reaction(5, '👍', PEER, 'remove', 1), ME)!;
    expect(m.reactions[0]).toEqual({ emoji: '👍', count: 1, me: true });
    m = applyChange(m, reaction(6, '👍', ME, 'remove', 0), ME)!;
    expect(m.reactions).toEqual([{ emoji: '❤️', count: 1, me: true }]);
  });

  it('keeps a reply’s preview in step with the message it answers', () => {
    const replyTo = { id: 'm1', senderId: PEER, preview: 'hello', mediaType: null, deleted: false };
    expect(applyChangeToReply(replyTo, edited(2, 'x'.repeat(150))).preview).toBe('x'.repeat(100));
    expect(applyChangeToReply(replyTo, deleted(3, 'everyone'))).toEqual({
      ...replyTo,
      preview: '',
      deleted: true,
    });
    expect(applyChangeToReply(replyTo, deleted(3, 'me'))).toBe(replyTo);
    expect(applyChangeToReply({ ...replyTo, id: 'other' }, edited(2, 'x'))).toMatchObject({
      preview: 'hello',
    });
  });

  it('applies each change once, and never an older one over a newer one', () => {
    const guard = new ChangeGuard();
    expect(guard.admit(edited(5, 'b'))).toBe(true);
    expect(guard.admit(edited(5, 'b'))).toBe(false);
    expect(guard.admit(edited(4, 'a'))).toBe(false);
    // Other aspects of the same message are their own.
    expect(guard.admit(reaction(3, '👍', PEER, 'add', 1))).toBe(true);
    expect(guard.admit(reaction(2, '❤️', PEER, 'add', 1))).toBe(true);
    expect(guard.admit(reaction(2, '👍', PEER, 'add', 1))).toBe(false);
  });

  it('merges a sync page’s messages and changes by chat and seq', () => {
    const other = '00000000-0000-4000-8000-0000000000c0';
    const entries = syncEntries({
      messages: [
        message({ chatId: other, seq: 7, id: 'o7' }),
        message({ seq: 1 }),
        message({ seq: 4, id: 'm4' }),
      ],
      events: [edited(3, 'x'), reaction(5, '👍', PEER, 'add', 1)],
    });
    expect(entries.map((e) => (e.message ? `m${e.message.seq}` : `c${e.change!.seq}`))).toEqual([
      'm7',
      'm1',
      'c3',
      'm4',
      'c5',
    ]);
  });
});
