import { Injectable, type OnModuleInit } from '@nestjs/common';
import { parseInput } from '../common/validation/parse.js';
import {
  messageDeleteSchema,
  messageEditSchema,
  messageSendSchema,
  reactionSchema,
} from '../contract/message-inputs.js';
import { SocketEvents } from '../realtime/socket-events.js';
import { MessageWriter } from './message-writer.js';
import { MessagesService } from './messages.service.js';

/** The message events of the socket: send, edit, delete, react. Parse, call, map. */
@Injectable()
export class MessageEvents implements OnModuleInit {
  constructor(
    private readonly events: SocketEvents,
    private readonly messages: MessagesService,
    private readonly writer: MessageWriter,
  ) {}

  onModuleInit(): void {
    this.events.on('chat:message_send', async (socket, payload) => ({
      message: await this.messages.send(socket.data.user, parseInput(messageSendSchema, payload)),
    }));
    this.events.on('chat:message_edit', async (socket, payload) => {
      const { messageId, content } = parseInput(messageEditSchema, payload);
      return { message: await this.messages.edit(socket.data.user.id, messageId, content) };
    });
    this.events.on('chat:message_delete', async (socket, payload) => {
      const { messageId, scope } = parseInput(messageDeleteSchema, payload);
      return { message: await this.messages.delete(socket.data.user.id, messageId, scope) };
    });
    this.events.on('chat:reaction_add', async (socket, payload) => {
      const { messageId, emoji } = parseInput(reactionSchema, payload);
      return { message: await this.messages.react(socket.data.user.id, messageId, emoji, 'add') };
    });
    this.events.on('chat:reaction_remove', async (socket, payload) => {
      const { messageId, emoji } = parseInput(reactionSchema, payload);
      return { message: await this.messages.react(socket.data.user.id, messageId, emoji, 'remove') };
    });
    // At shutdown, the write in flight commits and is acknowledged before the sockets close.
    this.events.drainBeforeClose(() => this.writer.idle());
  }
}
