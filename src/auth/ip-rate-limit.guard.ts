import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { rateLimitOf } from '../common/rate-limit/rate-limit.decorator.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';

/**
 * One point of the route's budget per client IP, for what is reached before (or without) a user:
 * sign-in, refresh, signed media links. Loopback is a client like any other.
 */
@Injectable()
export class IpRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimiters,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await this.limits.consume(rateLimitOf(this.reflector, context), request.ip);
    return true;
  }
}
