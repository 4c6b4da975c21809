import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { RateLimitName } from './rate-limiters.js';

const RATE_LIMIT = Symbol('RATE_LIMIT');

/** The budget a route spends from; routes without one spend from `api`. */
export const RateLimit = (name: RateLimitName) => SetMetadata(RATE_LIMIT, name);

export function rateLimitOf(reflector: Reflector, context: ExecutionContext): RateLimitName {
  return (
    reflector.getAllAndOverride<RateLimitName | undefined>(RATE_LIMIT, [
      context.getHandler(),
      context.getClass(),
    ]) ?? 'api'
  );
}
