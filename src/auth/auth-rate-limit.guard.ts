import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';

/** Register and login attempts per client IP (loopback included: it is a client like any other). */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimiters) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await this.limits.consume(this.limits.auth, request.ip, 'sign-in attempts');
    return true;
  }
}
