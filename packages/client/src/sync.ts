import type { Api } from './api.js';
import type { ChatChange, MessageView, SyncPage } from './contract.js';
import { getOrCreate } from './maps.js';

export type LogEntry = { kind: 'message'; message: MessageView } | { kind: 'change'; change: ChatChange };

/**
 * A page's messages and changes as one list in per-chat seq order: a change must land after the message
 * it changes, and the service promises a page never cuts a chat's log in two places.
 */
export function entriesOf(page: SyncPage): LogEntry[] {
  const byChat = new Map<string, { seq: number; entry: LogEntry }[]>();
  const add = (chatId: string, seq: number, entry: LogEntry) => {
    getOrCreate(byChat, chatId, () => []).push({ seq, entry });
  };
  for (const message of page.messages) add(message.chatId, message.seq, { kind: 'message', message });
  for (const change of page.events) add(change.chatId, change.seq, { kind: 'change', change });
  return [...byChat.values()].flatMap((list) => list.sort((a, b) => a.seq - b.seq).map((x) => x.entry));
}

/**
 * Catches up from `since` (the token of the last sync; none: from the start) until the service says
 * there is no more, handing every entry to `apply` in order, and returns the token to keep.
 */
export async function catchUp(
  api: Api,
  since: string | undefined,
  apply: (entry: LogEntry) => void,
): Promise<string> {
  let token = since;
  for (;;) {
    const page = await api.sync(token ? { since: token } : {});
    for (const entry of entriesOf(page)) apply(entry);
    token = page.token;
    if (!page.hasMore) return token;
  }
}
