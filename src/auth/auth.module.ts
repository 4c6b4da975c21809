import { Module } from '@nestjs/common';
import { UsersDataModule } from '../users/users-data.module.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { IpRateLimitGuard } from './ip-rate-limit.guard.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionEvents } from './session-events.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [UsersDataModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsRepository,
    TokenService,
    PasswordHasher,
    AuthGuard,
    IpRateLimitGuard,
    SessionEvents,
  ],
  exports: [TokenService, AuthGuard, IpRateLimitGuard, AuthService, SessionEvents],
})
export class AuthModule {}
