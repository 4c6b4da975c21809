import type { ErrorCode } from './contract.js';

/** A refusal from the service, over REST or as a socket ack, with its stable code. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly status: number | null = null,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

// Trying again can only help when the service or the way to it was briefly unavailable; anything it
// refused on the merits (validation, permissions, limits of the content) would be refused again.
const TRANSIENT: ReadonlySet<string> = new Set([
  'NETWORK',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
  'REQUEST_TIMEOUT',
  'UNAUTHORIZED',
]);

export function isTransient(error: unknown): boolean {
  if (error instanceof ChatError) return TRANSIENT.has(error.code) || (error.status ?? 0) >= 500;
  return true;
}
