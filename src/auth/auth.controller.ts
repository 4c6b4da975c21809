import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import {
  type ChangePasswordInput,
  changePasswordSchema,
  type LoginInput,
  loginSchema,
  type RegisterInput,
  refreshSchema,
  registerSchema,
} from '../contract/auth-inputs.js';
import { authResultSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { type AuthUser, CurrentUser } from './current-user.decorator.js';
import { IpRateLimitGuard } from './ip-rate-limit.guard.js';

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @ApiDoc({
    summary: 'Sign up: an account and its first session',
    response: authResultSchema,
    errors: ['EMAIL_TAKEN'],
  })
  @Post('register')
  @HttpCode(201)
  @UseGuards(IpRateLimitGuard)
  @RateLimit('auth')
  register(@Body(new ZodPipe(registerSchema)) body: RegisterInput) {
    return this.auth.register(body);
  }

  @ApiDoc({ summary: 'Sign in: a new session', response: authResultSchema, errors: ['INVALID_CREDENTIALS'] })
  @Post('login')
  @HttpCode(200)
  @UseGuards(IpRateLimitGuard)
  @RateLimit('auth')
  login(@Body(new ZodPipe(loginSchema)) body: LoginInput) {
    return this.auth.login(body);
  }

  @ApiDoc({
    summary: 'A new token pair for a refresh token (each refresh token works once)',
    response: authResultSchema,
    errors: ['INVALID_REFRESH_TOKEN'],
  })
  @Post('refresh')
  @HttpCode(200)
  @UseGuards(IpRateLimitGuard)
  refresh(@Body(new ZodPipe(refreshSchema)) body: { refreshToken: string }) {
    return this.auth.refresh(body.refreshToken);
  }

  /** Changes the password, ends every session of the user (their sockets too) and starts a new one. */
  @ApiDoc({
    summary: 'Change the password: ends every session of yours (sockets too) and starts a new one',
    response: authResultSchema,
    errors: ['INVALID_CREDENTIALS'],
  })
  @Post('password')
  @HttpCode(200)
  @UseGuards(AuthGuard, IpRateLimitGuard)
  @RateLimit('auth')
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(changePasswordSchema)) body: ChangePasswordInput,
  ) {
    return this.auth.changePassword(user.id, body);
  }

  @ApiDoc({ summary: 'Sign out: the refresh token of this session stops working' })
  @Post('logout')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user.sessionId);
  }
}
