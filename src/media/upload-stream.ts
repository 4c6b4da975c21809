import type { IncomingMessage } from 'node:http';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../common/errors/app-error.js';

// How long an early answer (413, 415…) waits for the client to stop sending before the connection is cut.
const LINGER_MS = 5000;

/** The answer to a body that broke off or is not multipart: the client's doing, never a 500. */
export function cutShort(): AppError {
  return new AppError('VALIDATION_FAILED', 'The upload was cut short or is not valid multipart');
}

interface ByteLimit {
  bytes: number;
  failure: () => AppError;
}

/**
 * The bytes of an uploaded file as they arrive, counted: the stream fails as soon as they pass a limit
 * (PAYLOAD_TOO_LARGE past `maxBytes`, or whatever `limit` adds), and with VALIDATION_FAILED when the client's
 * multipart body breaks off.
 */
export class UploadBody extends Transform {
  bytes = 0;
  /** Why the upload itself failed, when it did: the answer to give, whatever a consumer made of it. */
  failure?: AppError;
  /** Smallest first: when one chunk passes several, the first one passed is the answer. */
  private readonly limits: ByteLimit[] = [];

  static of(source: Readable, maxBytes: number): UploadBody {
    const body = new UploadBody();
    body.limit(
      maxBytes,
      () => new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes`),
    );
    // pipeline, not pipe plus an 'error' listener: the caller awaited the part, and by then busboy may
    // already have given up on a broken body and failed this source; pipeline sees that too.
    // Its outcome reaches the consumer through this stream: failed with `failure`, or ended.
    pipeline(source, body, () => {});
    return body;
  }

  /** Fails the upload with `failure()` once more than `bytes` have come; at once when they already have. */
  limit(bytes: number, failure: () => AppError): void {
    this.limits.push({ bytes, failure });
    this.limits.sort((a, b) => a.bytes - b.bytes);
    if (this.bytes > bytes) {
      this.failure ??= failure();
      this.destroy(this.failure);
    }
  }

  // The source's failures reach here as destroy(error); they are the client's doing, so they become the
  // answer, set before any consumer sees the error.
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (error) this.failure ??= cutShort();
    done(error && this.failure);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const passed = this.limits.find((limit) => this.bytes > limit.bytes);
    if (passed) {
      this.failure ??= passed.failure();
      done(this.failure);
      return;
    }
    done(null, chunk);
  }
}

/**
 * Reads the first `size` bytes of a stream (fewer when it is shorter) and gives them back with a stream
 * of the whole, head included: enough to tell the type before anything is stored.
 */
export async function peek(source: Readable, size: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    while (length < size) {
      const next = await iterator.next();
      if (next.done) break;
      chunks.push(next.value);
      length += next.value.length;
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  const head = Buffer.concat(chunks);
  async function* rest() {
    try {
      yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Also reached when the consumer gives up early: the source must not stay open behind it.
      await iterator.return?.();
    }
  }
  return { head, whole: Readable.from(rest(), { objectMode: false }) };
}

/**
 * Lets a client that is still sending read an early answer: the rest of the body is read and dropped for a
 * while, then the connection is cut, as nginx's lingering close does. Cutting it at once would make the
 * kernel reset the connection, and the client could lose the answer with it.
 */
export function discardRest(raw: IncomingMessage): void {
  if (raw.complete || raw.destroyed) return;
  raw.unpipe();
  raw.resume();
  const timer = setTimeout(() => raw.destroy(), LINGER_MS).unref();
  raw.once('close', () => clearTimeout(timer));
}
