import type { MediaType } from './views.js';

// Only extensions and hosts that mean one thing: .webm and .ogg hold either audio or video, so they stay null.
const EXTENSIONS: Record<string, MediaType> = {
  mp4: 'VIDEO',
  m4v: 'VIDEO',
  mov: 'VIDEO',
  mkv: 'VIDEO',
  avi: 'VIDEO',
  ogv: 'VIDEO',
  mp3: 'AUDIO',
  m4a: 'AUDIO',
  aac: 'AUDIO',
  wav: 'AUDIO',
  flac: 'AUDIO',
  oga: 'AUDIO',
  opus: 'AUDIO',
};

const HOSTS: Record<string, MediaType> = {
  'youtube.com': 'VIDEO',
  'youtu.be': 'VIDEO',
  'm.youtube.com': 'VIDEO',
  'vimeo.com': 'VIDEO',
  'player.vimeo.com': 'VIDEO',
  'dailymotion.com': 'VIDEO',
  'dai.ly': 'VIDEO',
  'twitch.tv': 'VIDEO',
  'soundcloud.com': 'AUDIO',
};

/** The media type a URL plainly is, from its file extension or a well-known host; null when unsure. */
export function inferMediaType(url: URL): MediaType | null {
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  if (extension && EXTENSIONS[extension]) return EXTENSIONS[extension];
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  return HOSTS[host] ?? null;
}
