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
 * What this process knows of chats: the chat id of each user pair, and the members of each chat.
 * A direct chat, once made, never changes id or members, so entries never go stale; the size bound
 * only drops the oldest.
 */
@Injectable()
export class ChatCache {
  private readonly idsByPair = new Map<string, string>();
  private readonly membersById = new Map<string, readonly string[]>();

  chatIdOf(pairKey: string): string | undefined {
    return this.idsByPair.get(pairKey);
  }

  membersOf(chatId: string): readonly string[] | undefined {
    return this.membersById.get(chatId);
  }

  rememberDirect(pairKey: string, chatId: string): void {
    bounded(this.idsByPair).set(pairKey, chatId);
    bounded(this.membersById).set(chatId, membersOfKey(pairKey));
  }

  rememberMembers(chatId: string, members: readonly string[]): void {
    bounded(this.membersById).set(chatId, members);
  }
}

function bounded<K, V>(map: Map<K, V>): Map<K, V> {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  return map;
}
