import type { Readable } from 'node:stream';
import type { AppConfig } from '../config/config.js';
import type { ByteRange } from './byte-range.js';
import { DiskStorage } from './disk-storage.js';
import { S3Storage } from './s3-storage.js';

/** Where upload bytes live. Both drivers behave the same; the database knows size and type, not them. */
export interface MediaStorage {
  /** Stores the stream under `key` whole, or not at all: when the stream fails nothing is left behind. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /** The stored bytes, or one range of them; MEDIA_NOT_FOUND when the object is gone. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  remove(key: string): Promise<void>;
  close(): void;
}

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

/** An S3-compatible bucket when S3_BUCKET is set, otherwise files under DATA_DIR. */
export function openMediaStorage(config: AppConfig): MediaStorage {
  return config.media.s3 ? new S3Storage(config.media.s3) : new DiskStorage(config.dataDir);
}

// The last characters of a v7 uuid are random: they spread files over 256 folders, where the first are a clock.
export function storageKeyOf(id: string): string {
  return `media/${id.slice(-2)}/${id}`;
}
