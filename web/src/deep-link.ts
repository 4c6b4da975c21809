// A link to one chat, `/#chat=<chatId>`: what a notification opens when no window of the client is open
// (web/public/sw.js writes the same form). Pure helpers, no DOM.

const PREFIX = '#chat=';
const CHAT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function chatLink(chatId: string): string {
  return `/${PREFIX}${encodeURIComponent(chatId)}`;
}

/** The chat id of a location's hash (`#chat=…`), or null for any other hash. */
export function chatIdOfHash(hash: string): string | null {
  if (!hash.startsWith(PREFIX)) return null;
  const id = hash.slice(PREFIX.length);
  return CHAT_ID.test(id) ? id.toLowerCase() : null;
}

/** A chat id as a worker's message may carry it, or null. */
export function chatIdOf(value: unknown): string | null {
  return typeof value === 'string' && CHAT_ID.test(value) ? value.toLowerCase() : null;
}
