import { Injectable, type OnModuleInit } from '@nestjs/common';
import { parseInput } from '../common/validation/parse.js';
import { receiptSchema, typingSchema } from '../contract/chat-inputs.js';
import { SocketEvents } from '../realtime/socket-events.js';
import { ChatsService } from './chats.service.js';

/** The chat's socket events: read and delivered receipts, typing. Parse, call, map. */
@Injectable()
export class ChatEvents implements OnModuleInit {
  constructor(
    private readonly events: SocketEvents,
    private readonly chats: ChatsService,
  ) {}

  onModuleInit(): void {
    this.events.on('chat:message_read', (socket, payload) => {
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chats.markRead(socket.data.user.id, chatId, messageId, socket.id);
    });
    this.events.on('chat:message_delivered', (socket, payload) => {
      const { chatId, messageId } = parseInput(receiptSchema, payload);
      return this.chats.markDelivered(socket.data.user.id, chatId, messageId);
    });
    this.events.on('chat:typing', async (socket, payload) => {
      const { isTyping, ...target } = parseInput(typingSchema, payload);
      await this.chats.setTyping(socket.data.user.id, target, isTyping);
      return {};
    });
  }
}
