import { api } from './api';
import { safeUrl, UPLOAD_PATH } from './urls';

const links = new Map<string, { url: string; expiresAt: number }>();

/**
 * The URL a player may load: for an upload of this service, a signed link (players cannot send the bearer
 * token); any other http(s) URL as it is.
 */
export async function playableUrl(url: URL): Promise<string | null> {
  const id = url.origin === location.origin ? UPLOAD_PATH.exec(url.pathname)?.[1] : undefined;
  if (!id) return url.href;
  const cached = links.get(id);
  if (cached && cached.expiresAt - Date.now() > 60_000) return cached.url;
  const link = await api<{ url: string; expiresAt: string }>(`/api/media/${id}/link`);
  // Relative unless the service has a PUBLIC_URL.
  const signed = safeUrl(link.url, location.origin);
  if (!signed) return null;
  links.set(id, { url: signed.href, expiresAt: Date.parse(link.expiresAt) });
  return signed.href;
}
