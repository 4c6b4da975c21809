import { getOrCreate } from './maps.js';
/**
 * Which entries of each chat's log (its seqs) this device has applied, so every message and change is
 * applied once however many ways it arrives (ack, live event, sync page, history), and so a hole in a
 * chat's seqs can be told apart from what is simply new.
 */
export class AppliedSeqs {
  private readonly chats = new Map<string, { floor: number; above: Set<number> }>();

  private of(chatId: string) {
    return getOrCreate(this.chats, chatId, () => ({ floor: 0, above: new Set<number>() }));
  }

  has(chatId: string, seq: number): boolean {
    const entry = this.chats.get(chatId);
    return !!entry && (seq <= entry.floor || entry.above.has(seq));
  }

  /** Records a seq as applied; false when it already was. */
  add(chatId: string, seq: number): boolean {
    if (this.has(chatId, seq)) return false;
    const entry = this.of(chatId);
    entry.above.add(seq);
    // Fold the contiguous run into the floor, so the set stays as small as the holes that remain.
    while (entry.above.delete(entry.floor + 1)) entry.floor++;
    return true;
  }

  /** Everything up to `seq` counts as applied: a history fill brought whatever of it this user may see. */
  cover(chatId: string, seq: number): void {
    const entry = this.of(chatId);
    if (seq <= entry.floor) return;
    entry.floor = seq;
    for (const held of entry.above) if (held <= seq) entry.above.delete(held);
    while (entry.above.delete(entry.floor + 1)) entry.floor++;
  }

  knows(chatId: string): boolean {
    return this.chats.has(chatId);
  }

  /** The highest seq applied in the chat. */
  top(chatId: string): number {
    const entry = this.chats.get(chatId);
    if (!entry) return 0;
    return Math.max(entry.floor, ...entry.above);
  }
}
