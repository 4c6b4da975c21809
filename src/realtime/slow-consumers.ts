import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Metrics } from '../metrics/metrics.service.js';

/**
 * A client that does not read what it is sent makes the server hold it; past SOCKET_MAX_BUFFERED_BYTES the
 * connection is cut instead. Nothing is lost by that: every message was committed before it was
 * acknowledged or delivered, and the client gets what it missed from GET /api/sync when it is back.
 */
@Injectable()
export class SlowConsumers {
  /** What one socket may have waiting to be written. */
  readonly maxBufferedBytes: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.maxBufferedBytes = config.limits.socketMaxBufferedBytes;
  }

  /** Cuts off a socket that had `bytes` waiting; `userId` is unknown if it had not joined a namespace yet. */
  disconnect(userId: string | undefined, bytes: number, close: () => void): void {
    close();
    this.metrics.slowConsumersDisconnected.inc();
    this.logger.warn(
      { userId, bytes, maxBytes: this.maxBufferedBytes },
      'slow consumer disconnected: more than SOCKET_MAX_BUFFERED_BYTES waiting to be written to its socket',
    );
  }
}
