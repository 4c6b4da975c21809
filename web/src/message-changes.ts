// How a change to a message (an edit, a delete, a reaction) changes what the client shows. Pure: no DOM;
// shared by the client and its unit tests.
import type { ChatChange, MessageView, ReplyPreview } from '../../src/contract/views.js';

/** As many characters of the original as a reply shows (the server's `left(content, 100)`). */
const REPLY_PREVIEW_CHARS = 100;

// The SDK holds the rule, so the web client and every other client apply a change alike.
export { applyChange } from '../../packages/client/src/message-changes.js';

/** The quoted preview of a reply after a change to the message it answers (unchanged for other messages). */
export function applyChangeToReply(replyTo: ReplyPreview, change: ChatChange): ReplyPreview {
  if (replyTo.id !== change.messageId || replyTo.deleted) return replyTo;
  if (change.type === 'message_edited') {
    return { ...replyTo, preview: [...change.content].slice(0, REPLY_PREVIEW_CHARS).join('') };
  }
  if (change.type === 'message_deleted' && change.scope === 'everyone') {
    return { ...replyTo, preview: '', mediaType: null, deleted: true };
  }
  return replyTo;
}

/**
 * Remembers the newest change applied to each aspect of a message (its text, its deletion, each emoji),
 * so that a change heard twice (live, then again from sync) or late is applied once and never undoes a
 * newer one. Changes of a chat are ordered by its seq.
 */
export class ChangeGuard {
  private readonly newest = new Map<string, number>();

  /** True (and remembered) when nothing newer about the same aspect was applied yet. */
  admit(change: ChatChange): boolean {
    const key = `${change.messageId} ${aspectOf(change)}`;
    if (change.seq <= (this.newest.get(key) ?? 0)) return false;
    this.newest.set(key, change.seq);
    return true;
  }

  clear(): void {
    this.newest.clear();
  }
}

function aspectOf(change: ChatChange): string {
  switch (change.type) {
    case 'message_edited':
      return 'text';
    case 'message_deleted':
      return `deleted:${change.scope}`;
    case 'reaction_updated':
      return `reaction:${change.emoji}`;
  }
}

export type SyncEntry = { message: MessageView; change?: never } | { change: ChatChange; message?: never };

/**
 * The messages and changes of a `GET /api/sync` page as one list in (chatId, seq) order: applied in this
 * order they give the server's state.
 */
export function syncEntries(page: { messages: MessageView[]; events: ChatChange[] }): SyncEntry[] {
  const entries: SyncEntry[] = [
    ...page.messages.map((message) => ({ message })),
    ...(page.events ?? []).map((change) => ({ change })),
  ];
  const place = (entry: SyncEntry) => entry.message ?? entry.change!;
  return entries.sort((a, b) => {
    const [x, y] = [place(a), place(b)];
    return x.chatId < y.chatId ? -1 : x.chatId > y.chatId ? 1 : x.seq - y.seq;
  });
}
