import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { fileTypeFromBuffer } from 'file-type';
import type { Logger } from 'pino';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { MediaType, MediaView } from '../contract/views.js';
import { parseByteRange } from './byte-range.js';
import { MediaRepository } from './media.repository.js';
import type { MediaCaller, MediaRecord, MediaResponse } from './media.types.js';
import { MediaLinks, type SignedLink } from './media-links.js';
import { MEDIA_STORAGE, type MediaStorage, storageKeyOf } from './media-storage.js';
import { peek, UploadBody } from './upload-stream.js';

// file-type's own sample size: every container it knows is recognised within it.
const SAMPLE_BYTES = 4100;

// An id never names other bytes, so a copy never goes stale; private, because access is per user.
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

interface ReadConditions {
  range?: string;
  ifNoneMatch?: string;
  ifRange?: string;
}

/** Uploads of voice notes and videos: checked, stored, shared with chats, served to those allowed. */
@Injectable()
export class MediaService {
  constructor(
    private readonly repository: MediaRepository,
    private readonly links: MediaLinks,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Streams a file to storage as it arrives. Its type comes from its first bytes, whatever its name or
   * declared type say: audio is AUDIO, video is VIDEO, anything else is refused before a byte is stored.
   * Past MEDIA_MAX_BYTES, or past what is left of the owner's MEDIA_QUOTA_BYTES, the upload fails at once
   * and what was stored of it is removed.
   */
  async upload(ownerId: string, file: Readable): Promise<MediaView> {
    // Joined to the file before anything is awaited, so that a failure of the file meanwhile is seen.
    const body = UploadBody.of(file, this.config.media.maxBytes);
    try {
      const left = await this.quotaLeft(ownerId);
      body.limit(left, () => this.quotaExceeded(left));
      const { head, whole } = await peek(body, SAMPLE_BYTES);
      const contentType = (await fileTypeFromBuffer(head))?.mime;
      const mediaType = contentType ? mediaTypeOf(contentType) : null;
      if (!contentType || !mediaType) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The file is not audio or video');
      }
      const id = newId();
      const storageKey = storageKeyOf(id);
      await this.storage.put(storageKey, whole, contentType);
      const size = body.bytes;
      try {
        const record = { id, ownerId, storageKey, contentType, mediaType, size };
        // The check above let it stream; this one, atomic, decides when other uploads of the owner raced it.
        if (!(await this.repository.insertWithinQuota(record, this.config.media.quotaBytes))) {
          throw this.quotaExceeded(await this.quotaLeft(ownerId));
        }
      } catch (error) {
        await this.storage
          .remove(storageKey)
          .catch((err) => this.logger.warn({ err }, 'media object left over'));
        throw error;
      }
      return { id, url: this.links.urlOf(id), mediaType, contentType, size };
    } catch (error) {
      body.destroy();
      // A storage driver may wrap the body's own failure (too large, cut short): answer with that.
      throw body.failure ?? error;
    }
  }

  /** The answer to a GET of a file: whole, one range of it, or 304 when the client's copy is current. */
  async open(id: string, caller: MediaCaller, conditions: ReadConditions): Promise<MediaResponse> {
    const media = await this.readable(id, caller);
    const etag = `"${media.id}"`;
    const lastModified = media.createdAt.toUTCString();
    const headers: Record<string, string> = {
      'content-type': media.contentType,
      etag,
      'last-modified': lastModified,
      'cache-control': CACHE_CONTROL,
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      // Players of a web client on another origin load it without CORS; the id and token are the access control.
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (matchesAny(conditions.ifNoneMatch, etag)) return { status: 304, headers };
    // If-Range names the copy the client holds part of; a range of any other copy would corrupt it.
    const current = !conditions.ifRange || conditions.ifRange === etag || conditions.ifRange === lastModified;
    const range = current ? parseByteRange(conditions.range, media.size) : undefined;
    if (range === 'unsatisfiable') {
      return { status: 416, headers: { 'content-range': `bytes */${media.size}` } };
    }
    if (!range) {
      return {
        status: 200,
        headers: { ...headers, 'content-length': String(media.size) },
        body: await this.storage.read(media.storageKey),
      };
    }
    return {
      status: 206,
      headers: {
        ...headers,
        'content-range': `bytes ${range.start}-${range.end}/${media.size}`,
        'content-length': String(range.end - range.start + 1),
      },
      body: await this.storage.read(media.storageKey, range),
    };
  }

  /** A URL that a media element can load without a bearer token, for MEDIA_URL_TTL. */
  async signedLink(id: string, userId: string): Promise<SignedLink> {
    await this.readable(id, { userId });
    return this.links.signedUrlOf(id);
  }

  /** The id of our upload that a message's mediaUrl points at, or null for any other URL. */
  uploadIdOf(mediaUrl: string): string | null {
    return this.links.uploadIdOf(mediaUrl);
  }

  /**
   * For a message that carries one of our uploads: the sender may send it to a chat when it is theirs or a
   * message of that chat carries it already (`chatId` null: a chat not made yet). Once the message is
   * stored, the chat's members may fetch it. The message carries the stored type (whatever the client
   * claimed) and our plain URL of the upload: the URL sent is not kept, so neither a signature in it nor a
   * host it names is passed on. Checks only: writes nothing.
   */
  async checkSendable(
    mediaId: string,
    senderId: string,
    chatId: string | null,
  ): Promise<{ mediaUrl: string; mediaType: MediaType }> {
    const mediaType = await this.repository.sendableType(mediaId, senderId, chatId);
    if (!mediaType) throw new AppError('MEDIA_NOT_FOUND');
    return { mediaUrl: this.links.urlOf(mediaId), mediaType };
  }

  /**
   * The last message carrying an upload was deleted for everyone: a deleted message's media is not to be
   * served any more, to its members or its uploader, so it goes (storage and quota included).
   * After the commit and best-effort: a failure leaves an unreachable file, never a reachable one.
   */
  releaseIfUnused(mediaId: string): void {
    this.repository
      .removeIfUnused(mediaId)
      .then(async (storageKey) => {
        if (storageKey) await this.storage.remove(storageKey);
      })
      .catch((err: unknown) => this.logger.warn({ err, mediaId }, 'deleted media left over'));
  }

  private async quotaLeft(ownerId: string): Promise<number> {
    return Math.max(0, this.config.media.quotaBytes - (await this.repository.usageOf(ownerId)));
  }

  private quotaExceeded(leftBytes: number): AppError {
    return new AppError(
      'MEDIA_QUOTA_EXCEEDED',
      `The file does not fit in your media quota of ${this.config.media.quotaBytes} bytes: ${leftBytes} bytes are left`,
    );
  }

  // Unknown, and known but not the caller's to see, are the same 404: an id reveals nothing.
  private async readable(id: string, caller: MediaCaller): Promise<MediaRecord> {
    let media: MediaRecord | undefined;
    if ('link' in caller) {
      if (!this.links.isValidSignature(id, caller.link.exp, caller.link.sig)) {
        throw new AppError('UNAUTHORIZED', 'The media link is invalid or has expired');
      }
      media = await this.repository.find(id);
    } else {
      media = await this.repository.findReadable(id, caller.userId);
    }
    if (!media) throw new AppError('MEDIA_NOT_FOUND');
    return media;
  }
}

function mediaTypeOf(mime: string): MediaType | null {
  if (mime.startsWith('audio/')) return 'AUDIO';
  if (mime.startsWith('video/')) return 'VIDEO';
  return null;
}

function matchesAny(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim().replace(/^W\//, '');
    return value === etag || value === '*';
  });
}
