import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { bearerToken } from './bearer-token.js';
import type { AuthenticatedRequest } from './current-user.decorator.js';
import { TokenService } from './token.service.js';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new AppError('UNAUTHORIZED');
    const claims = await this.tokens.verifyAccess(token);
    request.user = { id: claims.userId, sessionId: claims.sessionId };
    return true;
  }
}
