import { Inject } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import { parseInput } from '../common/validation/parse.js';
import { ConnectedUsers } from '../realtime/connected-users.js';
import { PresenceService } from '../realtime/presence.service.js';
import { RealtimeEmitter } from '../realtime/realtime-emitter.js';
import { userRoom } from '../realtime/rooms.js';
import type { ChatNamespace, ChatSocket } from '../realtime/socket.types.js';
import { SocketAuth } from '../realtime/socket-auth.js';
import { handleEvent } from '../realtime/socket-handler.js';
import { TypingService } from '../realtime/typing.service.js';
import { ChatService } from './chat.service.js';
import { messageSendSchema, receiptSchema, typingSchema } from './message.schemas.js';

@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() private readonly server!: ChatNamespace;

  constructor(
    private readonly chat: ChatService,
    private readonly auth: SocketAuth,
    private readonly connected: ConnectedUsers,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly emitter: RealtimeEmitter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    namespace.use(this.auth.middleware);
    this.emitter.attach(namespace);
  }

  handleConnection(socket: ChatSocket): void {
    const { profile, first } = this.connected.attach(socket.data.user);
    socket.data.user = profile;
    void socket.join(userRoom(profile.id));
    if (first) this.presence.firstSocketConnected(profile.id);

    handleEvent(socket, 'chat:message_send', this.logger, (payload) => this.send(socket, payload));
    handleEvent(socket, 'chat:message_read', this.logger, (payload) => {
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chat.markRead(socket.data.user.id, chatId, messageId, socket.id);
    });
    handleEvent(socket, 'chat:message_delivered', this.logger, (payload) => {
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chat.markDelivered(socket.data.user.id, chatId, messageId);
    });
    handleEvent(socket, 'chat:typing', this.logger, async (payload) => {
      const input = parseInput(typingSchema, payload);
      const { chatId, peerIds } = await this.chat.typingTarget(socket.data.user.id, input);
      await this.typing.update(socket.data.user.id, chatId, peerIds, input.isTyping);
      return {};
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    if (!socket.data.user) return;
    if (this.connected.detach(socket.data.user.id)) this.presence.lastSocketDisconnected(socket.data.user.id);
  }

  private async send(socket: ChatSocket, payload: unknown) {
    const input = parseInput(messageSendSchema, payload);
    const { message, duplicate, recipients } = await this.chat.send(socket.data.user, input);
    // A retry is acknowledged with the original message but not delivered a second time.
    if (!duplicate) this.server.to(recipients.map(userRoom)).emit('chat:message_receive', message);
    return { message };
  }
}
