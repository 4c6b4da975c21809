import { Injectable } from '@nestjs/common';
import { bearerToken } from '../auth/bearer-token.js';
import { TokenService } from '../auth/token.service.js';
import { UsersService } from '../users/users.service.js';
import type { ChatSocket } from './socket.types.js';

/**
 * Handshake middleware: a socket without a valid token is refused (`connect_error`, message
 * `unauthorized`) before it exists for any handler. The token may come from `auth.token`, an
 * `Authorization: Bearer` header, or a `token` query parameter.
 */
@Injectable()
export class SocketAuth {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  readonly middleware = (socket: ChatSocket, next: (error?: Error) => void): void => {
    this.authenticate(socket).then(
      () => next(),
      () => next(new Error('unauthorized')),
    );
  };

  private async authenticate(socket: ChatSocket): Promise<void> {
    const token = tokenOf(socket);
    if (!token) throw new Error('no token');
    const claims = await this.tokens.verifyAccess(token);
    const user = await this.users.getPublic(claims.userId);
    if (!user) throw new Error('no such user');
    socket.data.user = user;
    socket.data.sessionId = claims.sessionId;
  }
}

function tokenOf(socket: ChatSocket): string | undefined {
  const { auth, headers, query } = socket.handshake;
  const fromAuth = (auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth.replace(/^Bearer\s+/i, '');
  const fromHeader = bearerToken(headers.authorization);
  if (fromHeader) return fromHeader;
  const fromQuery = query.token;
  return typeof fromQuery === 'string' && fromQuery ? fromQuery : undefined;
}
