import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { RETRY_AFTER_DETAIL } from './app-error.js';
import { httpErrorBody, toAppError } from './to-app-error.js';

/** The one HTTP error filter: every failure leaves as `{ statusCode, error, message, code }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { appError, expected } = toAppError(exception);
    if (!expected) this.logger.error({ err: exception }, 'request failed');
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const retryAfter = appError.details?.find((d) => d.path === RETRY_AFTER_DETAIL)?.message;
    if (retryAfter) void reply.header('retry-after', retryAfter);
    void reply.status(appError.status).send(httpErrorBody(appError));
  }
}
