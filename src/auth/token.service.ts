import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { bearerToken } from './bearer-token.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

const ISSUER = 'live-chat';

/** Short-lived JWT access tokens; opaque refresh tokens stored only as their hash. */
@Injectable()
export class TokenService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  signAccess(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.config.jwt.accessTtlSeconds}s`)
      .sign(this.config.jwt.secret);
  }

  /** The claims of the access token in an `Authorization: Bearer …` header; UNAUTHORIZED without one. */
  async verifyBearer(authorization: string | string[] | undefined): Promise<AccessClaims> {
    const token = bearerToken(authorization);
    if (!token) throw new AppError('UNAUTHORIZED');
    return this.verifyAccess(token);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.config.jwt.secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
      return { userId: payload.sub, sessionId: payload.sid };
    } catch {
      throw new AppError('UNAUTHORIZED', 'The access token is missing, invalid or expired');
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
