import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../common/errors/app-error.js';
import type { ByteRange } from './byte-range.js';
import type { MediaStorage } from './media-storage.js';

/** Files under a root folder (DATA_DIR), keyed by relative path. */
export class DiskStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  // Written beside the target and renamed when complete, so a reader never sees half a file.
  async put(key: string, body: Readable): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${randomBytes(4).toString('hex')}.part`;
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  // Opened before streaming, so a missing file is a clean 404 rather than a stream that fails mid-answer.
  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('MEDIA_NOT_FOUND');
      throw error;
    }
  }

  remove(key: string): Promise<void> {
    return rm(this.pathOf(key), { force: true });
  }

  close(): void {}

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }
}
