import { Injectable } from '@nestjs/common';
import type { ServerToClientEvents } from '../chat/chat.events.js';
import { userRoom } from './rooms.js';
import type { ChatNamespace } from './socket.types.js';

/** Sends server events to every socket of some users. The one place that knows how users are reached. */
@Injectable()
export class RealtimeEmitter {
  private namespace?: ChatNamespace;

  attach(namespace: ChatNamespace): void {
    this.namespace = namespace;
  }

  toUsers<E extends keyof ServerToClientEvents>(
    userIds: readonly string[],
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
    exceptSocketId?: string,
  ): void {
    if (!this.namespace || userIds.length === 0) return;
    const target = this.namespace.to(userIds.map(userRoom));
    const operator = exceptSocketId ? target.except(exceptSocketId) : target;
    // biome-ignore lint/suspicious/noExplicitAny: the event/payload pair is checked by this method's signature
    (operator.emit as any)(event, payload);
  }
}
