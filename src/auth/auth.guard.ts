import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { rateLimitOf } from '../common/rate-limit/rate-limit.decorator.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import type { AuthenticatedRequest } from './current-user.decorator.js';
import { TokenService } from './token.service.js';

/** A valid access token, then one point of the route's per-user budget (`@RateLimit`, else `api`). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly limits: RateLimiters,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const claims = await this.tokens.verifyBearer(request.headers.authorization);
    await this.limits.consume(rateLimitOf(this.reflector, context), claims.userId);
    request.user = { id: claims.userId, sessionId: claims.sessionId };
    return true;
  }
}
