import { ERROR_CATALOG, type ErrorCode } from './error-catalog.js';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The detail of a RATE_LIMITED error that says when to retry (seconds); HTTP also sends it as Retry-After. */
export const RETRY_AFTER_DETAIL = 'retryAfter';

/** The only error type that services throw on purpose; mapped to HTTP and WS answers in one place. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message ?? ERROR_CATALOG[code].message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}
