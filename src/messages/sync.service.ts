import { Injectable } from '@nestjs/common';
import type { ChatChange, MessageView, SyncPage } from '../contract/views.js';
import { ChatLogRepository } from './chat-log.repository.js';
import { MessagesRepository } from './messages.repository.js';
import { SyncRepository } from './sync.repository.js';
import { decodeSyncToken, EMPTY_SNAPSHOT, encodeSyncToken } from './sync-token.js';

const START = { chatId: '00000000-0000-0000-0000-000000000000', seq: 0 };

/**
 * Catch-up after a reconnect. The token is a database snapshot, so "after the token" means "committed
 * after it", whatever the commit order of concurrent writers: a client that keeps the last token and
 * syncs after each reconnect misses nothing and gets nothing twice. A round brings the chats' new messages
 * (as they are now) and their changes (edits, deletes, reactions), each in per-chat seq order; a backlog
 * larger than a page is paged within one fixed upper snapshot (`hasMore`), cut at one (chat, seq) for both
 * lists, and the last page's token starts the next round.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly sync: SyncRepository,
    private readonly messages: MessagesRepository,
    private readonly log: ChatLogRepository,
  ) {}

  async since(userId: string, token: string | undefined, limit: number): Promise<SyncPage> {
    const position = token ? decodeSyncToken(token) : { from: EMPTY_SNAPSHOT };
    const to = position.to ?? (await this.sync.currentSnapshot());
    const after = position.after ?? START;
    const bounds = await this.sync.seenBounds(userId, position.from, after.chatId);
    const [messages, changes] = await Promise.all([
      this.messages.committedBetween(userId, bounds, to, after, limit + 1),
      this.log.changesCommittedBetween(userId, bounds, to, after, limit + 1),
    ]);
    const { page, last, hasMore } = mergePage(messages, changes, limit);
    const next =
      hasMore && last
        ? encodeSyncToken({ from: position.from, to, after: last })
        : encodeSyncToken({ from: to });
    return { messages: page.messages, events: page.events, token: next, hasMore };
  }
}

/** The first `limit` entries of both lists in (chat, seq) order, where the page ends, and whether more are left. */
function mergePage(messages: MessageView[], events: ChatChange[], limit: number) {
  const page = { messages: [] as MessageView[], events: [] as ChatChange[] };
  let [m, e] = [0, 0];
  let last: { chatId: string; seq: number } | undefined;
  while (m + e < limit && (m < messages.length || e < events.length)) {
    const message = messages[m];
    const event = events[e];
    const takeMessage = message && (!event || compare(message, event) < 0);
    const entry = takeMessage ? message : event!;
    if (takeMessage) page.messages.push(messages[m++]!);
    else page.events.push(events[e++]!);
    last = { chatId: entry.chatId, seq: entry.seq };
  }
  return { page, last, hasMore: m < messages.length || e < events.length };
}

function compare(a: { chatId: string; seq: number }, b: { chatId: string; seq: number }): number {
  return a.chatId < b.chatId ? -1 : a.chatId > b.chatId ? 1 : a.seq - b.seq;
}
