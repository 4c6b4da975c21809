import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ChangePasswordInput, LoginInput, RegisterInput } from '../contract/auth-inputs.js';
import type { AuthResult } from '../contract/views.js';
import { toUserView, type UserRecord } from '../users/user.types.js';
import { UsersRepository } from '../users/users.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionEvents } from './session-events.js';
import { SessionsRepository } from './sessions.repository.js';
import { hashRefreshToken, TokenService } from './token.service.js';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly sessionEvents: SessionEvents,
  ) {}

  async register(input: RegisterInput): Promise<AuthResult> {
    const user = await this.users.insert({
      id: newId(),
      email: input.email,
      passwordHash: await this.hasher.hash(input.password),
      name: input.name,
      avatarUrl: input.avatar,
    });
    return this.startSession(user);
  }

  async login(input: LoginInput): Promise<AuthResult> {
    const user = await this.users.findByEmail(input.email);
    const ok = await this.hasher.verify(user?.passwordHash, input.password);
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS');
    return this.startSession(user);
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    const next = this.tokens.newRefreshToken();
    const result = await this.sessions.rotate(hashRefreshToken(refreshToken), {
      hash: next.hash,
      expiresAt: this.refreshExpiry(),
    });
    // A spent token presented again: someone holds a copy. The session ends, its sockets with it.
    if (result.outcome === 'reused') this.sessionEvents.revoked({ sessionId: result.sessionId });
    if (result.outcome !== 'rotated') throw new AppError('INVALID_REFRESH_TOKEN');
    const user = await this.users.findById(result.userId);
    if (!user) throw new AppError('INVALID_REFRESH_TOKEN');
    const accessToken = await this.tokens.signAccess({ userId: user.id, sessionId: result.sessionId });
    return { accessToken, refreshToken: next.token, user: toUserView(user) };
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
    this.sessionEvents.revoked({ sessionId });
  }

  /** A new password ends every session of the user, on every device, and starts a fresh one here. */
  async changePassword(userId: string, input: ChangePasswordInput): Promise<AuthResult> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('UNAUTHORIZED');
    if (!(await this.hasher.verify(user.passwordHash, input.currentPassword)))
      throw new AppError('INVALID_CREDENTIALS');
    await this.users.update(userId, { passwordHash: await this.hasher.hash(input.newPassword) });
    await this.sessions.revokeAllOf(userId);
    this.sessionEvents.revoked({ userId });
    return this.startSession(user);
  }

  isSessionActive(sessionId: string): Promise<boolean> {
    return this.sessions.isActive(sessionId);
  }

  private async startSession(user: UserRecord): Promise<AuthResult> {
    const sessionId = newId();
    const refresh = this.tokens.newRefreshToken();
    await this.sessions.create({
      id: sessionId,
      userId: user.id,
      expiresAt: this.refreshExpiry(),
      tokenHash: refresh.hash,
    });
    const accessToken = await this.tokens.signAccess({ userId: user.id, sessionId });
    return { accessToken, refreshToken: refresh.token, user: toUserView(user) };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
  }
}
