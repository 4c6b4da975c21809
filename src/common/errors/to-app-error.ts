import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { AppError } from './app-error.js';
import { ERROR_CATALOG, type ErrorCode } from './error-catalog.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

// Connection-level failures of node-postgres / PGlite / ioredis: the client did nothing wrong.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);

const BY_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_CATALOG)
    .reverse()
    .map(([code, e]) => [e.status, code as ErrorCode]),
);

/**
 * Maps anything thrown to an AppError. Unknown errors become INTERNAL so that no stack trace,
 * SQL text or driver message ever reaches a client; `expected` says whether the caller should log it.
 */
export function toAppError(error: unknown): { appError: AppError; expected: boolean } {
  if (error instanceof AppError) return { appError: error, expected: true };
  // Nest wraps Fastify's own 4xx errors (bad JSON, body too large) and keeps the original as `cause`.
  const fastifyCode = FASTIFY_CODES[String((error as { cause?: { code?: unknown } } | null)?.cause?.code)];
  if (fastifyCode) return { appError: new AppError(fastifyCode), expected: true };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? 'ROUTE_NOT_FOUND' : (BY_STATUS.get(status) ?? 'INTERNAL');
    return { appError: new AppError(code), expected: status < 500 };
  }
  const errorCode = (error as { code?: unknown } | null)?.code;
  if (typeof errorCode === 'string') {
    const mapped = FASTIFY_CODES[errorCode];
    if (mapped) return { appError: new AppError(mapped), expected: true };
    if (UNAVAILABLE_CODES.has(errorCode))
      return { appError: new AppError('SERVICE_UNAVAILABLE'), expected: false };
  }
  if (error instanceof Error && LOST_CONNECTION.test(error.message)) {
    return { appError: new AppError('SERVICE_UNAVAILABLE'), expected: false };
  }
  return { appError: new AppError('INTERNAL'), expected: false };
}

// node-postgres and ioredis report a lost connection by message only, without a code; so does a Redis
// Cluster missing a master (CLUSTERDOWN, and ioredis giving up on its redirections or slot refreshes).
const LOST_CONNECTION =
  /Connection terminated|Connection is closed|max retries per request|Stream isn't writeable|connect ETIMEDOUT|timeout exceeded when trying to connect|CLUSTERDOWN|TRYAGAIN|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|Cluster is ended|Cluster isn't ready/i;

/** The HTTP body of an error: `{ statusCode, error, message, code }`, plus `details` for validation. */
export function httpErrorBody(e: AppError) {
  return {
    statusCode: e.status,
    error: httpReason(e.status),
    message: e.message,
    code: e.code,
    ...(e.details ? { details: e.details } : {}),
  };
}

/** The WebSocket form of an error, used in acks and `chat:error`. */
export function wsErrorBody(e: AppError) {
  return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
}

function httpReason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
