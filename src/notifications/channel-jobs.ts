import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import type { PushTarget } from './push-sender.js';
import type { SendOutcome } from './send-outcome.js';

/** One notification to send, numbered by the main thread to match its outcome. */
export type ChannelJob =
  | { n: number; channel: 'webhook'; event: WebhookEvent }
  | { n: number; channel: 'push'; target: PushTarget; payload: PushPayload };

/** Between the main thread and the channel thread, jobs and outcomes go in batches: one message per turn. */
export interface JobsMessage {
  jobs: ChannelJob[];
}

export interface OutcomesMessage {
  outcomes: [n: number, outcome: SendOutcome][];
}

/** Collects items and hands them over once per turn of the event loop. */
export class PerTurn<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const items = this.items;
      this.items = [];
      this.flush(items);
    });
  }
}
