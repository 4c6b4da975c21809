import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { UPLOAD_PATH, uploadPathOf } from './upload-path.js';

export interface SignedLink {
  url: string;
  expiresAt: string;
}

/**
 * The URLs of uploads. The plain URL is what a message carries and needs a bearer token; a signed URL
 * (`?exp=…&sig=…`) stands in for the token for a while, because `<audio>` and `<video>` cannot send headers.
 * They are absolute under PUBLIC_URL when it is set, otherwise relative to this service: never built from
 * the request, whose Host header the client chooses.
 */
@Injectable()
export class MediaLinks {
  private readonly base?: URL;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.base = config.publicUrl ? new URL(config.publicUrl) : undefined;
  }

  /** The plain URL of an upload: the one a message carries, whatever form of it the client sent. */
  urlOf(id: string): string {
    return `${this.config.publicUrl ?? ''}${uploadPathOf(id)}`;
  }

  signedUrlOf(id: string, now = Date.now()): SignedLink {
    const exp = Math.floor(now / 1000) + this.config.media.urlTtlSeconds;
    return {
      url: `${this.urlOf(id)}?exp=${exp}&sig=${this.signature(id, exp)}`,
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
   * The upload id of a URL of ours, or null for any other URL: our relative path exactly as handed out, or
   * an absolute URL of an upload (signed or not). With PUBLIC_URL set, only absolute URLs under it count;
   * without it the host cannot be known, so the path decides.
   */
  uploadIdOf(mediaUrl: string): string | null {
    const relative = UPLOAD_PATH.exec(mediaUrl);
    if (relative) return relative[1]!.toLowerCase();
    const url = URL.canParse(mediaUrl) ? new URL(mediaUrl) : null;
    if (!url) return null;
    let path = url.pathname;
    if (this.base) {
      const basePath = this.base.pathname.replace(/\/+$/, '');
      if (url.origin !== this.base.origin || !path.startsWith(`${basePath}/`)) return null;
      path = path.slice(basePath.length);
    }
    return UPLOAD_PATH.exec(path)?.[1]?.toLowerCase() ?? null;
  }

  // Domain-separated from the JWTs signed with the same secret.
  private signature(id: string, exp: number): string {
    return createHmac('sha256', this.config.jwt.secret).update(`media:${id}:${exp}`).digest('base64url');
  }
}
