import { type BeforeApplicationShutdown, Inject } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import { SessionEvents } from '../auth/session-events.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import { parseInput } from '../common/validation/parse.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ConnectedUsers } from '../realtime/connected-users.js';
import { PresenceService } from '../realtime/presence.service.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { sessionRoom, userRoom } from '../realtime/rooms.js';
import type { ChatNamespace, ChatSocket } from '../realtime/socket.types.js';
import { SocketAuth } from '../realtime/socket-auth.js';
import { handleEvent } from '../realtime/socket-handler.js';
import { TypingService } from '../realtime/typing.service.js';
import { ChatService } from './chat.service.js';
import { messageSendSchema, receiptSchema, typingSchema } from './message.schemas.js';
import { MessageWriter } from './message-writer.js';

// How long shutdown waits for the write in flight before closing connections anyway.
const DRAIN_TIMEOUT_MS = 5000;

@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown
{
  @WebSocketServer() private readonly server!: ChatNamespace;

  constructor(
    private readonly chat: ChatService,
    private readonly auth: SocketAuth,
    private readonly connected: ConnectedUsers,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly emitter: RealtimeEmitter,
    private readonly metrics: Metrics,
    private readonly writer: MessageWriter,
    private readonly limits: RateLimiters,
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

    handleEvent(socket, 'chat:message_send', this.logger, (payload) => this.send(socket, payload));
    const user = socket.data.user.id;
    handleEvent(socket, 'chat:message_read', this.logger, async (payload) => {
      await this.limits.consume('receipts', user);
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chat.markRead(socket.data.user.id, chatId, messageId, socket.id);
    });
    handleEvent(socket, 'chat:message_delivered', this.logger, async (payload) => {
      await this.limits.consume('receipts', user);
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chat.markDelivered(socket.data.user.id, chatId, messageId);
    });
    handleEvent(socket, 'chat:typing', this.logger, async (payload) => {
      await this.limits.consume('typing', user);
      const input = parseInput(typingSchema, payload);
      const { chatId, peerIds } = await this.chat.typingTarget(socket.data.user.id, input);
      await this.typing.update(socket.data.user.id, chatId, peerIds, input.isTyping);
      return {};
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    if (!socket.data.user) return;
    this.metrics.connectedSockets.dec();
    if (this.connected.detach(socket.data.user.id)) this.presence.lastSocketDisconnected(socket.data.user.id);
  }

  /**
   * Graceful shutdown, before the servers close: turn new sockets away, let the batch in flight commit
   * and be acknowledged, then drop each connection's transport. Clients see a transport close (not a
   * server disconnect) and reconnect, to another instance behind the load balancer.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.auth.stopAccepting();
    await Promise.race([this.writer.idle(), new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS))]);
    for (const socket of this.server.sockets.values()) socket.conn.close();
    this.logger.info({ sockets: this.server.sockets.size }, 'drained: clients told to reconnect');
  }

  private async send(socket: ChatSocket, payload: unknown) {
    await this.limits.consume('messages', socket.data.user.id);
    const input = parseInput(messageSendSchema, payload);
    const { message, duplicate, recipients } = await this.chat.send(socket.data.user, input);
    // A retry is acknowledged with the original message but not delivered a second time.
    if (!duplicate) {
      this.emitter.deliver(recipients, 'chat:message_receive', message);
      this.metrics.messagesDelivered.inc(recipients.length);
    }
    return { message };
  }
}
