import { type BeforeApplicationShutdown, Inject } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import { SessionEvents } from '../auth/session-events.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ConnectedUsers } from './connected-users.js';
import { PresenceService } from './presence.service.js';
import { RealtimeEmitter } from './realtime-emitter.js';
import { sessionRoom, userRoom } from './rooms.js';
import type { ChatNamespace, ChatSocket } from './socket.types.js';
import { SocketAuth } from './socket-auth.js';
import { SocketEvents } from './socket-events.js';

// How long shutdown waits for the write in flight before closing connections anyway.
const DRAIN_TIMEOUT_MS = 5000;

/**
 * The life of a socket on namespace `/chat`: refused at the handshake without a valid session; then in its
 * user's and its session's rooms, counted for presence, with every client event bound (SocketEvents); cut
 * when its session ends; told to reconnect elsewhere when this instance stops.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ConnectionGateway implements OnGatewayInit, OnGatewayConnection, BeforeApplicationShutdown {
  @WebSocketServer() private readonly server!: ChatNamespace;

  constructor(
    private readonly auth: SocketAuth,
    private readonly events: SocketEvents,
    private readonly connected: ConnectedUsers,
    private readonly presence: PresenceService,
    private readonly emitter: RealtimeEmitter,
    private readonly metrics: Metrics,
    private readonly sessionEvents: SessionEvents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    namespace.use(this.auth.middleware);
    // A server-side disconnect (not a transport close): the client must not reconnect with that token.
    this.sessionEvents.onRevoked((revocation) => {
      const room =
        'sessionId' in revocation ? sessionRoom(revocation.sessionId) : userRoom(revocation.userId);
      namespace.in(room).disconnectSockets(false);
    });
    this.emitter
      .attach(namespace)
      .catch((err: unknown) => this.logger.error({ err }, 'cannot subscribe to deliveries'));
  }

  handleConnection(socket: ChatSocket): void {
    this.metrics.connectedSockets.inc();
    const { profile, first } = this.connected.attach(socket.data.user);
    socket.data.user = profile;
    void socket.join([userRoom(profile.id), sessionRoom(socket.data.sessionId)]);
    if (first) this.presence.firstSocketConnected(profile.id);
    this.auth.recheck(socket);
    this.events.bind(socket);
    socket.on('disconnect', this.onDisconnect);
  }

  // One listener shared by every socket (Socket.IO calls it with the socket as `this`), where Nest's
  // OnGatewayDisconnect would give each socket closures of its own (ChatSocketAdapter skips binding those).
  private readonly onDisconnect = (() => {
    const gateway = this;
    return function (this: ChatSocket, reason: string) {
      gateway.handleDisconnect(this, reason);
    };
  })();

  private handleDisconnect(socket: ChatSocket, reason: string): void {
    this.metrics.connectedSockets.dec();
    this.metrics.socketDisconnects.inc({ reason });
    if (this.connected.detach(socket.data.user.id)) this.presence.lastSocketDisconnected(socket.data.user.id);
  }

  /**
   * Graceful shutdown, before the servers close: turn new sockets away, let the batch in flight commit
   * and be acknowledged, then drop each connection's transport. Clients see a transport close (not a
   * server disconnect) and reconnect, to another instance behind the load balancer.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.auth.stopAccepting();
    await Promise.race([
      this.events.drain(),
      new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS)),
    ]);
    for (const socket of this.server.sockets.values()) socket.conn.close();
    this.logger.info({ sockets: this.server.sockets.size }, 'drained: clients told to reconnect');
  }
}
