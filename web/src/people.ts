// People: the lookup behind "Find people" and every member picker, and the small round avatar (a picture
// when the URL is http(s), else initials) shown beside a person or a group.
import { h } from './dom';
import { type PublicUser, sdk } from './sdk';
import { safeUrl } from './urls';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `text` is a user id (a uuid), which a picker may take as it is. */
export function isUserId(text: string): boolean {
  return UUID.test(text.trim());
}

/** `GET /api/users?q=`: people by name or email. */
export async function findPeople(q: string, limit = 10): Promise<PublicUser[]> {
  const { items } = await sdk().api.searchUsers({ q, limit });
  return items;
}

/** Up to two letters: the first letter or digit of the first two words that have one ("Book club" → "BC"). */
export function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .map((word) => word.match(/[\p{L}\p{N}]/u)?.[0])
    .filter((letter) => !!letter)
    .slice(0, 2);
  return letters.join('').toUpperCase() || '?';
}

/** A decorative avatar (the name is always said beside it). */
export function avatar(name: string, url: string | null | undefined): HTMLElement {
  const src = safeUrl(url);
  return h(
    'span',
    { class: 'avatar', 'aria-hidden': 'true' },
    src ? h('img', { src: src.href, alt: '', referrerpolicy: 'no-referrer' }) : initials(name),
  );
}
