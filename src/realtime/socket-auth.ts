import { Inject, Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import { bearerToken } from '../auth/bearer-token.js';
import { TokenService } from '../auth/token.service.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { UsersService } from '../users/users.service.js';
import { ConnectedUsers } from './connected-users.js';
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
    private readonly auth: AuthService,
    private readonly connected: ConnectedUsers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private accepting = true;

  /** During shutdown: new sockets are turned away, so their clients retry elsewhere. */
  stopAccepting(): void {
    this.accepting = false;
  }

  readonly middleware = (socket: ChatSocket, next: (error?: Error) => void): void => {
    if (!this.accepting) {
      next(new Error('server shutting down'));
      return;
    }
    this.authenticate(socket).then(
      () => next(),
      (error: unknown) =>
        next(new Error(error instanceof TooManySockets ? 'too many connections' : 'unauthorized')),
    );
  };

  /**
   * Called once the socket is in its session's room. A logout that landed between the handshake's check
   * and the join announced itself to a room the socket was not in yet: the session is read again, so
   * either this read sees the logout or the logout's announcement finds the socket in the room.
   */
  recheck(socket: ChatSocket): void {
    this.auth.isSessionActive(socket.data.sessionId).then(
      (active) => {
        if (!active) socket.disconnect(true);
      },
      // The database is away: the handshake's check stands; a logout will still find the room.
      () => {},
    );
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const token = tokenOf(socket);
    if (!token) throw new Error('no token');
    const claims = await this.tokens.verifyAccess(token);
    // Unlike a REST call, a socket lives on: a logged-out or replaced session must not open one.
    const [user, active] = await Promise.all([
      this.users.getPublic(claims.userId),
      this.auth.isSessionActive(claims.sessionId),
    ]);
    if (!user || !active) throw new Error('session ended');
    if (this.connected.socketCount(user.id) >= this.config.limits.socketsPerUser) {
      throw new TooManySockets();
    }
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

class TooManySockets extends Error {}
