import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';
import type { ErrorCode } from './error-catalog.js';
import { httpErrorBody } from './to-app-error.js';

/**
 * Answers what Node's HTTP parser refuses before any route runs (a URL or headers too large, bytes that
 * are not HTTP, a request that took too long) with the service's one error shape, as Fastify's default
 * handler does with its own. A connection that is already gone gets nothing.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'MALFORMED_REQUEST';
  const appError = new AppError(code);
  const body = JSON.stringify(httpErrorBody(appError));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${httpErrorBody(appError).error}\r\nConnection: close\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Answers what Fastify's router refuses before any route runs (a path with broken percent-encoding, a
 * path parameter longer than the router takes) with the catalog's codes, not Fastify's own.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const appError = new AppError(
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'MALFORMED_REQUEST',
  );
  reply.code(appError.status).send(httpErrorBody(appError));
}
