import { backoffDelay, wait } from './backoff.js';
import type { AuthResult, UserView } from './contract.js';
import { Emitter } from './emitter.js';
import { ChatError, isTransient } from './errors.js';
import { type RequestOptions, request } from './request.js';

export type SessionEvents = {
  /** A new token pair is in use (before the old access token expired, or after the service refused it). */
  refreshed: (tokens: { accessToken: string; refreshToken: string }) => void;
  /** The session is over (logged out here or elsewhere, or its refresh token refused): sign in again. */
  ended: (error: ChatError | null) => void;
};

/** When a JWT was issued and when it stops being accepted (seconds), read without verifying it. */
function lifetimeOf(token: string): { issuedAt: number; expiresAt: number } | null {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part)) as { iat?: number; exp?: number };
    if (typeof claims.exp !== 'number') return null;
    return { issuedAt: claims.iat ?? claims.exp, expiresAt: claims.exp };
  } catch {
    return null;
  }
}

// Refreshing when most of the lifetime is gone, rather than just before the end, leaves room for a slow
// network or a busy server without ever letting a request go out with a dead token.
const REFRESH_AT_FRACTION = 0.75;

/**
 * The signed-in user's tokens. Refreshes them on its own before the access token expires, and on demand
 * after a refusal; concurrent demands share one refresh, since a refresh token works once (the service
 * revokes the whole session when a spent one comes back).
 */
export class Session extends Emitter<SessionEvents> {
  accessToken: string;
  refreshToken: string;
  user: UserView;
  private inFlight: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly closed = new AbortController();

  constructor(
    readonly baseUrl: string,
    auth: AuthResult,
  ) {
    super();
    this.accessToken = auth.accessToken;
    this.refreshToken = auth.refreshToken;
    this.user = auth.user;
    this.schedule();
  }

  get ended(): boolean {
    return this.closed.signal.aborted;
  }

  /** Calls the service as this user; a refused token costs one refresh and one retry, unseen by the caller. */
  call<T>(method: string, path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<T> {
    return this.authorized((token) => request<T>(this.baseUrl, method, path, { ...options, token }));
  }

  /** Runs `attempt` with the access token, and once more with a fresh one if the service refuses the token. */
  async authorized<T>(attempt: (token: string) => Promise<T>): Promise<T> {
    const token = this.accessToken;
    try {
      return await attempt(token);
    } catch (error) {
      if (!(error instanceof ChatError) || error.status !== 401 || this.ended) throw error;
      // Another caller may have refreshed while this one waited for its refusal.
      if (this.accessToken === token) await this.refresh();
      return attempt(this.accessToken);
    }
  }

  /** Exchanges the refresh token for a new pair; callers at the same time share the one exchange. */
  refresh(): Promise<void> {
    this.inFlight ??= this.exchange().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Runs a call that replaces the session (a password change ends the old one and answers with a new
   * pair) as the refresh every caller waits for: a socket the service cut meanwhile reconnects with the
   * new pair, instead of refreshing the ended session and concluding it is signed out.
   */
  async renew(call: (token: string) => Promise<AuthResult>): Promise<AuthResult> {
    await this.inFlight?.catch(() => {});
    const run = call(this.accessToken).then((pair) => {
      this.adopt(pair);
      return pair;
    });
    this.inFlight = run.then(
      () => {},
      () => {},
    );
    void this.inFlight.finally(() => {
      this.inFlight = null;
    });
    return run;
  }

  private async exchange(): Promise<void> {
    for (let attempt = 0; !this.ended; attempt++) {
      try {
        this.adopt(
          await request<AuthResult>(this.baseUrl, 'POST', '/api/auth/refresh', {
            body: { refreshToken: this.refreshToken },
          }),
        );
        return;
      } catch (error) {
        if (!isTransient(error)) {
          this.end(error as ChatError);
          throw error;
        }
        await wait(backoffDelay(attempt), this.closed.signal);
      }
    }
    throw new ChatError('UNAUTHORIZED', 'The session has ended', 401);
  }

  /** Takes a new pair (a refresh's, or a password change's, which starts a new session) and announces it. */
  adopt(pair: AuthResult): void {
    this.accessToken = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.user = pair.user;
    this.schedule();
    this.emit('refreshed', { accessToken: pair.accessToken, refreshToken: pair.refreshToken });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const expiry = lifetimeOf(this.accessToken);
    if (!expiry) return;
    const lifetimeMs = (expiry.expiresAt - expiry.issuedAt) * 1000;
    // Counted from now rather than from the token's own times, so a device whose clock is off still refreshes.
    this.timer = setTimeout(() => void this.refresh().catch(() => {}), lifetimeMs * REFRESH_AT_FRACTION);
    // A pending refresh must not keep a Node program alive after it has finished its work.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Logs out on the service (its refresh token stops working) and stops refreshing. */
  async logout(): Promise<void> {
    try {
      await this.call<void>('POST', '/api/auth/logout');
    } finally {
      this.end(null);
    }
  }

  /** The session is over: stops refreshing and tells the listeners. */
  end(error: ChatError | null): void {
    if (this.ended) return;
    this.stop();
    this.emit('ended', error);
  }

  /** Stops refreshing, quietly: the tokens stay valid on the service, for a later resume. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.closed.abort();
  }
}
