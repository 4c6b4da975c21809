import { describe, expect, it } from 'vitest';
import { messagePush } from '../../src/notifications/notification-content.js';
import type { LogRow } from '../../src/notifications/outbox.repository.js';

const row = (overrides: Partial<LogRow> = {}): LogRow => ({
  source: 'message',
  chatId: '01a2ba5e-0000-7000-8000-00000000000a',
  seq: 7,
  txid: '1000',
  at: new Date(0),
  messageId: '01a2ba5e-0000-7000-8000-0000000000ff',
  actorId: '01a2ba5e-0000-7000-8000-000000000001',
  kind: 'user',
  data: null,
  content: 'see you at eight',
  mediaType: null,
  senderName: 'Ada',
  chatType: 'DIRECT',
  chatTitle: null,
  deleted: false,
  ...overrides,
});

describe('the push of a message', () => {
  it('is titled by the sender in a direct chat and by the group in a group, with the sender in its body', () => {
    expect(messagePush(row(), true)).toMatchObject({ title: 'Ada', body: 'see you at eight', seq: 7 });
    expect(messagePush(row({ chatType: 'GROUP', chatTitle: 'Book club' }), true)).toMatchObject({
      title: 'Book club',
      body: 'Ada: see you at eight',
    });
  });

  it('says "New message" and nothing of the text with PUSH_PREVIEW off', () => {
    expect(messagePush(row(), false)).toMatchObject({ title: 'Ada', body: 'New message' });
    expect(messagePush(row({ chatType: 'GROUP', chatTitle: 'Book club' }), false).body).toBe('New message');
  });

  it('names live media without text, and cuts a long text short', () => {
    expect(messagePush(row({ content: '', mediaType: 'VIDEO' }), true).body).toBe('Video');
    expect(messagePush(row({ content: ' ', mediaType: 'AUDIO' }), true).body).toBe('Audio message');
    const long = messagePush(row({ content: 'x'.repeat(500) }), true).body;
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});
