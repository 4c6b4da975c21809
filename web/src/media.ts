import { h } from './dom';
import { type Message, sdk } from './sdk';
import { mediaUrlOf, safeUrl, UPLOAD_PATH, youTubeId } from './urls';

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
  const link = await sdk().api.mediaLink(id);
  // Relative unless the service has a PUBLIC_URL.
  const signed = safeUrl(link.url, location.origin);
  if (!signed) return null;
  links.set(id, { url: signed.href, expiresAt: Date.parse(link.expiresAt) });
  return signed.href;
}

/** The player of a message's media: a YouTube embed, a <video> or <audio>, and the link. */
export function renderMedia(message: Message): HTMLElement {
  const url = mediaUrlOf(message.mediaUrl, location.origin);
  const box = h('div', { class: 'media' });
  if (!url) {
    box.append(h('span', { class: 'muted' }, '(unsupported link)'));
    return box;
  }
  // Only a link with no player shows as one, by its host: a player needs no raw URL under it.
  const link = h(
    'a',
    { href: url.href, target: '_blank', rel: 'noopener noreferrer', class: 'media-link' },
    `Open link (${url.host})`,
  );
  const videoId = message.mediaType === 'VIDEO' ? youTubeId(url) : null;
  if (videoId) {
    box.append(
      h('iframe', {
        src: `https://www.youtube-nocookie.com/embed/${videoId}`,
        title: 'YouTube video',
        allow: 'encrypted-media; picture-in-picture; fullscreen',
        allowfullscreen: true,
        referrerpolicy: 'strict-origin-when-cross-origin',
        loading: 'lazy',
      }),
    );
  } else if (message.mediaType === 'VIDEO' || message.mediaType === 'AUDIO') {
    const player = h(message.mediaType === 'VIDEO' ? 'video' : 'audio', {
      controls: true,
      preload: 'metadata',
      'aria-label': message.mediaType === 'VIDEO' ? 'Video' : 'Audio',
    });
    box.append(player);
    if (player instanceof HTMLVideoElement) {
      // A recorded voice note often comes as WebM, a video container with no picture: play it as audio.
      player.addEventListener('loadedmetadata', () => {
        if (player.videoWidth > 0 || player.videoHeight > 0) return;
        const audio = h('audio', {
          controls: true,
          preload: 'metadata',
          'aria-label': 'Audio',
          src: player.src,
        });
        player.replaceWith(audio);
      });
    }
    playableUrl(url)
      .then((src) => {
        if (src) player.src = src;
      })
      .catch(() => box.append(h('span', { class: 'error' }, ' (cannot load media)')));
  } else box.append(link);
  return box;
}
