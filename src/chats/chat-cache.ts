import { Injectable } from '@nestjs/common';

const MAX_ENTRIES = 100_000;

/** "<smaller id>:<larger id>": the same key whoever of the two writes first. */
export function directKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** The members named by a direct key (one for a chat with oneself). */
export function membersOfKey(key: string): string[] {
  const [a, b] = key.split(':') as [string, string];
  return a === b ? [a] : [a, b];
}

/**
 * Who is in a chat, as of one version of it (the chat's state_seq: every change to its members or to
 * what they may see takes a seq and moves it). A message or change numbered at a version goes to the
 * roster of that version; an older roster is read again first.
 */
export interface Roster {
  version: number;
  type: 'DIRECT' | 'GROUP';
  /** Current members, oldest first. */
  ids: readonly string[];
  /** Per member, the first seq they may see: the seq that added them to a since_join group, else 0. */
  floors: ReadonlyMap<string, number>;
}

/**
 * What this process knows of chats: the chat id of each user pair, and the roster of each chat. A
 * direct chat never changes id or members, so its entries never go stale; a group's roster carries its
 * version, and callers that know a newer one read it again. The size bound only drops the oldest.
 */
@Injectable()
export class ChatCache {
  private readonly idsByPair = new Map<string, string>();
  private readonly rosters = new Map<string, Roster>();

  chatIdOf(pairKey: string): string | undefined {
    return this.idsByPair.get(pairKey);
  }

  rosterOf(chatId: string): Roster | undefined {
    return this.rosters.get(chatId);
  }

  rememberDirect(pairKey: string, chatId: string): void {
    bounded(this.idsByPair).set(pairKey, chatId);
    const ids = membersOfKey(pairKey);
    this.remember(chatId, { version: 0, type: 'DIRECT', ids, floors: new Map(ids.map((id) => [id, 0])) });
  }

  /** Keeps a roster unless a newer one of the same chat is known already. */
  remember(chatId: string, roster: Roster): void {
    const known = this.rosters.get(chatId);
    if (known && known.version > roster.version) return;
    bounded(this.rosters).set(chatId, roster);
  }
}

function bounded<K, V>(map: Map<K, V>): Map<K, V> {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  return map;
}
