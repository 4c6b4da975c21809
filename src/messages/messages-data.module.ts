import { Module } from '@nestjs/common';
import { MessagesRepository } from './messages.repository.js';

/** The messages table's reads on their own, so that chats can show messages without the message path. */
@Module({ providers: [MessagesRepository], exports: [MessagesRepository] })
export class MessagesDataModule {}
