import { Injectable } from '@nestjs/common';
import type { MessageView } from './message.types.js';
import { toMessageView } from './message.types.js';
import { SyncRepository } from './sync.repository.js';
import { decodeSyncToken, EMPTY_SNAPSHOT, encodeSyncToken } from './sync-token.js';

const START = { chatId: '00000000-0000-0000-0000-000000000000', seq: 0 };

export interface SyncResult {
  messages: MessageView[];
  token: string;
  hasMore: boolean;
}

/**
 * Catch-up after a reconnect. The token is a database snapshot, so "after the token" means "committed
 * after it", whatever the commit order of concurrent writers: a client that keeps the last token and
 * syncs after each reconnect misses nothing and gets nothing twice. A backlog larger than a page is
 * paged within one fixed upper snapshot (`hasMore`); the last page's token starts the next round.
 */
@Injectable()
export class SyncService {
  constructor(private readonly sync: SyncRepository) {}

  async since(userId: string, token: string | undefined, limit: number): Promise<SyncResult> {
    const position = token ? decodeSyncToken(token) : { from: EMPTY_SNAPSHOT };
    const to = position.to ?? (await this.sync.currentSnapshot());
    const rows = await this.sync.committedBetween(
      userId,
      position.from,
      to,
      position.after ?? START,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    const last = page.at(-1);
    const next =
      hasMore && last
        ? encodeSyncToken({ from: position.from, to, after: { chatId: last.chatId, seq: last.seq } })
        : encodeSyncToken({ from: to });
    return { messages: page.map((m) => toMessageView(m, m.sender)), token: next, hasMore };
  }
}
