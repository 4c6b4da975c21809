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
import { userRoom } from '../realtime/rooms.js';
import type { ChatNamespace, ChatSocket } from '../realtime/socket.types.js';
import { SocketAuth } from '../realtime/socket-auth.js';
import { handleEvent } from '../realtime/socket-handler.js';
import { ChatService } from './chat.service.js';
import { messageSendSchema } from './message.schemas.js';

@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() private readonly server!: ChatNamespace;

  constructor(
    private readonly chat: ChatService,
    private readonly auth: SocketAuth,
    private readonly connected: ConnectedUsers,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    namespace.use(this.auth.middleware);
  }

  handleConnection(socket: ChatSocket): void {
    socket.data.user = this.connected.attach(socket.data.user).profile;
    void socket.join(userRoom(socket.data.user.id));
    handleEvent(socket, 'chat:message_send', this.logger, (payload) => this.send(socket, payload));
  }

  handleDisconnect(socket: ChatSocket): void {
    if (socket.data.user) this.connected.detach(socket.data.user.id);
  }

  private async send(socket: ChatSocket, payload: unknown) {
    const input = parseInput(messageSendSchema, payload);
    const { message, duplicate, recipients } = await this.chat.send(socket.data.user, input);
    // A retry is acknowledged with the original message but not delivered a second time.
    if (!duplicate) this.server.to(recipients.map(userRoom)).emit('chat:message_receive', message);
    return { message };
  }
}
