import type { Readable } from 'node:stream';
import type { MediaType } from '../contract/views.js';

/** An upload as stored. */
export interface MediaRecord {
  id: string;
  ownerId: string;
  storageKey: string;
  contentType: string;
  mediaType: MediaType;
  size: number;
  createdAt: Date;
}

/** Who asks for a file: a signed-in user, or the holder of a signed link. */
export type MediaCaller = { userId: string } | { link: { exp: number; sig: string } };

/** What to answer a GET of a file with: a status, its headers, and the bytes for a 200 or 206. */
export interface MediaResponse {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  body?: Readable;
}
