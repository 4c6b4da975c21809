import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/config.js';
import { type RedisClient, subscriberOf } from '../redis/redis.js';
import { coalesceWrites, type EngineConnection } from './coalesce-writes.js';
import { TrimmedSessionAdapter } from './recovery-adapter.js';
import { upgradeRequestReleaser } from './release-upgrade-requests.js';
import { SlowConsumers } from './slow-consumers.js';
import { type BacklogConnection, dropConnection, WriteBacklog } from './write-backlog.js';

/**
 * Socket.IO on the HTTP port, configured from AppConfig and after Socket.IO's own tuning advice.
 * With Redis, Socket.IO's Redis streams adapter carries broadcasts between instances (and supports
 * connection-state recovery); chat messages themselves skip it (see RealtimeEmitter.deliver). On a
 * Redis Cluster its stream is one key (one master) and its pub/sub is sharded, so what it publishes
 * reaches the master of its channel only, not every node.
 */
export class ChatSocketAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: RedisClient | null,
    private readonly log: Logger,
  ) {
    super(app);
  }

  // On a cluster, the adapter's own client: its stream reads loop on errors, so its commands must wait
  // out an outage in the offline queue rather than fail at once as the service's own commands do.
  private adapterClient?: RedisClient;

  override createIOServer(port: number, options?: Partial<ServerOptions>) {
    const recoveryMs = this.config.connectionRecoverySeconds * 1000;
    if (this.redis instanceof Cluster) this.adapterClient ??= subscriberOf(this.redis, this.log, 'adapter');
    const adapter = this.redis
      ? createAdapter(this.adapterClient ?? this.redis, {
          streamName: `${this.config.redis.prefix}:socket.io`,
          channelPrefix: `${this.config.redis.prefix}:socket.io`,
          sessionKeyPrefix: `${this.config.redis.prefix}:socket.io:session:`,
          useShardedPubSub: this.redis instanceof Cluster,
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
    this.boundWrites(server);
    return server;
  }

  override async dispose(): Promise<void> {
    await this.adapterClient?.quit().catch(() => this.adapterClient?.disconnect());
    await super.dispose();
  }

  // Client events are bound by SocketEvents, not by Nest's decorators. With nothing to bind, Nest would
  // still build a per-socket rxjs pipeline that every idle socket keeps.
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length > 0) super.bindMessageHandlers(...args);
  }

  // Likewise, ConnectionGateway listens for disconnects itself, with one listener for every socket; Nest
  // would give each socket two closures and a once-wrapper of its own. So no gateway's OnGatewayDisconnect
  // is ever called: a gateway listens for its sockets' disconnects itself.
  override bindClientDisconnect(): void {}

  /**
   * Every connection's writes are coalesced per turn, and what waits to be written is bounded. A socket
   * that a namespace accepts names its connection's user, and lets go of the upgrade request.
   */
  private boundWrites(server: Server): void {
    const slowConsumers = this.app.get(SlowConsumers, { strict: false });
    const releaseUpgradeRequest = upgradeRequestReleaser(server);
    // The user a connection belongs to, for the log line when it is cut off; known once a namespace
    // (the gateway's, after its auth middleware) has accepted a socket on it.
    const users = new WeakMap<object, string>();
    server.on('new_namespace', (namespace) =>
      namespace.on('connection', (socket) => {
        const userId = (socket.data as { user?: { id?: string } } | undefined)?.user?.id;
        if (userId) users.set(socket.conn, userId);
        releaseUpgradeRequest(socket);
      }),
    );
    const cutOff = (bytes: number, connection: BacklogConnection) =>
      slowConsumers.disconnect(users.get(connection), bytes, () => dropConnection(connection));
    server.engine.on('connection', (connection: EngineConnection & BacklogConnection) => {
      coalesceWrites(connection, new WriteBacklog(connection, slowConsumers.maxBufferedBytes, cutOff));
    });
  }
}
