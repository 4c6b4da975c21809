import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';

const MEDIA_PATH = /^\/api\/media\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface SignedLink {
  url: string;
  expiresAt: string;
}

/**
 * The URLs of uploads. The plain URL is what a message carries and needs a bearer token; a signed URL
 * (`?exp=…&sig=…`) stands in for the token for a while, because `<audio>` and `<video>` cannot send headers.
 */
@Injectable()
export class MediaLinks {
  private readonly base?: URL;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.base = config.publicUrl ? new URL(config.publicUrl) : undefined;
  }

  /** `requestBase` (`http://host:port` of the request) is used only when PUBLIC_URL is not set. */
  urlOf(id: string, requestBase: string): string {
    return `${this.config.publicUrl ?? requestBase}/api/media/${id}`;
  }

  signedUrlOf(id: string, requestBase: string, now = Date.now()): SignedLink {
    const exp = Math.floor(now / 1000) + this.config.media.urlTtlSeconds;
    return {
      url: `${this.urlOf(id, requestBase)}?exp=${exp}&sig=${this.signature(id, exp)}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }

  isValidSignature(id: string, exp: number, sig: string, now = Date.now()): boolean {
    if (exp * 1000 <= now) return false;
    const expected = Buffer.from(this.signature(id, exp));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The upload id of a URL this service handed out (signed or not), or null for any other URL. With
   * PUBLIC_URL set, only URLs under it count; without it the host cannot be known, so the path decides.
   */
  uploadIdOf(mediaUrl: string): string | null {
    const url = URL.canParse(mediaUrl) ? new URL(mediaUrl) : null;
    if (!url) return null;
    let path = url.pathname;
    if (this.base) {
      const basePath = this.base.pathname.replace(/\/+$/, '');
      if (url.origin !== this.base.origin || !path.startsWith(`${basePath}/`)) return null;
      path = path.slice(basePath.length);
    }
    return MEDIA_PATH.exec(path)?.[1]?.toLowerCase() ?? null;
  }

  /** The plain URL of an upload, from one a client sent: a signature in its query is not passed on. */
  canonical(mediaUrl: string, id: string): string {
    const url = new URL(mediaUrl);
    return `${url.origin}${url.pathname.slice(0, -id.length)}${id}`;
  }

  // Domain-separated from the JWTs signed with the same secret.
  private signature(id: string, exp: number): string {
    return createHmac('sha256', this.config.jwt.secret).update(`media:${id}:${exp}`).digest('base64url');
  }
}
