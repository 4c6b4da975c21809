import { Injectable } from '@nestjs/common';

const MAX_ENTRIES = 100_000;

/** "<smaller id>:<larger id>": the same key whoever of the two writes first. */
export function directKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/**
 * Chat id of each user pair seen by this process. A direct chat, once made, never changes id or
 * members, so entries never go stale; the size bound only drops the oldest.
 */
@Injectable()
export class DirectChatCache {
  private readonly ids = new Map<string, string>();

  get(key: string): string | undefined {
    return this.ids.get(key);
  }

  set(key: string, chatId: string): void {
    if (this.ids.size >= MAX_ENTRIES) this.ids.delete(this.ids.keys().next().value!);
    this.ids.set(key, chatId);
  }
}
