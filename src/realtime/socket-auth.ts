import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuthService } from '../auth/auth.service.js';
import { bearerToken } from '../auth/bearer-token.js';
import { TokenService } from '../auth/token.service.js';
import { AppError } from '../common/errors/app-error.js';
import { toAppError, wsErrorBody } from '../common/errors/to-app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { UsersService } from '../users/users.service.js';
import { ConnectedUsers } from './connected-users.js';
import type { ChatSocket } from './socket.types.js';

/**
 * Handshake middleware: a socket without a valid token is refused (`connect_error`, message
 * `unauthorized`, `data.code` UNAUTHORIZED) before it exists for any handler. The token may come from
 * `auth.token`, an `Authorization: Bearer` header, or a `token` query parameter. When the session cannot
 * be checked (the database is away or overloaded), the refusal says so (`service unavailable`,
 * SERVICE_UNAVAILABLE): the client should try again later, not sign in again.
 */
@Injectable()
export class SocketAuth {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly connected: ConnectedUsers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
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
      (error: unknown) => next(this.refusal(error)),
    );
  };

  private refusal(error: unknown): Error {
    if (error instanceof TooManySockets) return new Error('too many connections');
    const { appError, expected } = toAppError(error);
    if (appError.code === 'UNAUTHORIZED') return refused('unauthorized', appError);
    if (!expected) this.logger.warn({ err: error }, 'socket handshake could not be checked');
    return refused('service unavailable', new AppError('SERVICE_UNAVAILABLE'));
  }

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
    if (!token) throw new AppError('UNAUTHORIZED', 'no access token');
    const claims = await this.tokens.verifyAccess(token);
    // Unlike a REST call, a socket lives on: a logged-out or replaced session must not open one.
    const [user, active] = await Promise.all([
      this.users.getPublic(claims.userId),
      this.auth.isSessionActive(claims.sessionId),
    ]);
    if (!user || !active) throw new AppError('UNAUTHORIZED', 'the session has ended');
    if (this.connected.socketCount(user.id) >= this.config.limits.socketsPerUser) {
      throw new TooManySockets();
    }
    socket.data.user = user;
    socket.data.sessionId = claims.sessionId;
    // Nothing reads the handshake's auth after this: the token is not kept for the socket's life, where it
    // would be the largest thing an idle socket holds (and one more copy of a credential in memory).
    socket.handshake.auth = CHECKED;
  }
}

const CHECKED = Object.freeze({});

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

/** A handshake refusal: Socket.IO hands `data` to the client's `connect_error` as `error.data`. */
function refused(message: string, appError: AppError): Error {
  return Object.assign(new Error(message), { data: wsErrorBody(appError) });
}
