// The people this user blocks: loaded once signed in, changed by PUT / DELETE /api/users/me/blocks/:userId,
// and told to whoever draws a "Blocked" mark or a Block / Unblock choice.
import { sdk } from './sdk';

const blocked = new Set<string>();
const listeners = new Set<() => void>();

function changed(): void {
  for (const listener of listeners) listener();
}

export function onBlocksChange(listener: () => void): void {
  listeners.add(listener);
}

export function isBlocked(userId: string | null | undefined): boolean {
  return !!userId && blocked.has(userId);
}

/** Every block of this user, page after page. */
export async function loadBlocks(): Promise<void> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await sdk().api.blocks({ limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((b) => b.user.id));
    cursor = page.nextCursor;
  } while (cursor);
  blocked.clear();
  for (const id of ids) blocked.add(id);
  changed();
}

export async function block(userId: string): Promise<void> {
  await sdk().api.block(userId);
  blocked.add(userId);
  changed();
}

export async function unblock(userId: string): Promise<void> {
  await sdk().api.unblock(userId);
  blocked.delete(userId);
  changed();
}
