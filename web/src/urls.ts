// Pure helpers (no DOM, no imports): shared by the client and its unit tests.

/** An absolute http(s) URL (resolved against `base` when given), or null: nothing else reaches a `src` or `href`. */
export function safeUrl(value: string | null | undefined, base?: string): URL | null {
  if (!value || !URL.canParse(value, base)) return null;
  const url = new URL(value, base);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

/** The path of an upload of the service, `/api/media/<id>`: the id is the first group. */
export const UPLOAD_PATH = /^\/api\/media\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Where a message's media is: an absolute http(s) URL, or the service's relative upload path (the link it
 * hands out without PUBLIC_URL) on `origin`, the service's own; null for anything else.
 */
export function mediaUrlOf(value: string | null | undefined, origin: string): URL | null {
  if (value && UPLOAD_PATH.test(value)) return new URL(value, origin);
  return safeUrl(value);
}

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

/** The video id of a YouTube link (watch, youtu.be, embed, shorts, live), or null. */
export function youTubeId(url: URL): string | null {
  const host = url.hostname.toLowerCase().replace(/^(www|m|music)\./, '');
  let id: string | null = null;
  if (host === 'youtu.be') id = url.pathname.split('/')[1] ?? null;
  else if (host === 'youtube.com' || host === 'youtube-nocookie.com') {
    const [, first, second] = url.pathname.split('/');
    if (first === 'watch') id = url.searchParams.get('v');
    else if (first === 'embed' || first === 'shorts' || first === 'live' || first === 'v')
      id = second ?? null;
  }
  return id && YOUTUBE_ID.test(id) ? id : null;
}

/** A v4 uuid without `crypto.randomUUID` (which needs a secure context; plain http on a LAN is not one). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
