import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/config.js';
import { coalesceWrites } from './coalesce-writes.js';
import { TrimmedSessionAdapter } from './recovery-adapter.js';

/**
 * Socket.IO on the HTTP port, configured from AppConfig and after Socket.IO's own tuning advice.
 * With Redis, Socket.IO's Redis streams adapter carries broadcasts between instances (and supports
 * connection-state recovery); chat messages themselves skip it (see RealtimeEmitter.deliver).
 */
export class ChatSocketAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: Redis | null,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>) {
    const recoveryMs = this.config.connectionRecoverySeconds * 1000;
    const adapter = this.redis
      ? createAdapter(this.redis, {
          streamName: `${this.config.redis.prefix}:socket.io`,
          channelPrefix: `${this.config.redis.prefix}:socket.io`,
          sessionKeyPrefix: `${this.config.redis.prefix}:socket.io:session:`,
        })
      : recoveryMs > 0
        ? TrimmedSessionAdapter
        : undefined;
    const server = super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.config.corsOrigins, credentials: true },
      // Long-polling needs every request of a session on one process: not the case across cluster workers.
      transports: this.config.workers > 1 ? ['websocket'] : ['polling', 'websocket'],
      // Compression costs more CPU than it saves on small chat frames.
      perMessageDeflate: false,
      httpCompression: false,
      // A bigger packet closes the connection (Socket.IO's own behaviour): no handler ever sees it.
      maxHttpBufferSize: this.config.limits.socketMaxPayloadBytes,
      ...(adapter ? { adapter: adapter as unknown as ServerOptions['adapter'] } : {}),
      // A speed-up for short drops only: missed packets are replayed on reconnect. The guarantee is
      // GET /api/sync; the window stays short because the adapter keeps every packet that long.
      ...(recoveryMs > 0
        ? { connectionStateRecovery: { maxDisconnectionDuration: recoveryMs, skipMiddlewares: false } }
        : {}),
    });
    server.engine.on('connection', coalesceWrites);
    return server;
  }
}
