import { Injectable } from '@nestjs/common';
import type { MessageView } from '../contract/views.js';
import { MessagesRepository } from './messages.repository.js';

interface Wanted {
  chatId: string;
  messageId: string;
  viewerId: string;
  resolve(view: MessageView | undefined): void;
  reject(error: unknown): void;
}

/**
 * The views the acks of a committed batch need, read in one query: every change is acknowledged with its
 * message as it now is, and a batch commits many at once.
 */
@Injectable()
export class MessageViews {
  private pending: Wanted[] = [];

  constructor(private readonly messages: MessagesRepository) {}

  of(chatId: string, messageId: string, viewerId: string): Promise<MessageView | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.read());
      this.pending.push({ chatId, messageId, viewerId, resolve, reject });
    });
  }

  private read(): void {
    const batch = this.pending;
    this.pending = [];
    this.messages.views(batch).then(
      (views) => {
        batch.forEach((wanted, i) => {
          wanted.resolve(views[i]);
        });
      },
      (error: unknown) => {
        for (const wanted of batch) wanted.reject(error);
      },
    );
  }
}
