import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import { type ChannelJob, type JobsMessage, type OutcomesMessage, PerTurn } from './channel-jobs.js';
import type { PushTarget } from './push-sender.js';
import type { SendOutcome } from './send-outcome.js';
import type { Senders, SendersSettings } from './senders.js';

const THREAD_ENTRY = new URL('./channel-thread.js', import.meta.url);

/**
 * Whether the channel thread can start: its entry is compiled JavaScript, there in dist/ but not beside
 * the TypeScript sources that in-process tests run (those send on the main thread).
 */
export function channelThreadAvailable(): boolean {
  return existsSync(fileURLToPath(THREAD_ENTRY));
}

type Pending = (outcome: SendOutcome) => void;

/**
 * Sends on a worker thread of its own (channel-thread.ts): signing, encrypting and HTTP are most of a
 * notification's cost, and there they run on another core when there is one, or, on a busy one, after the
 * send path. A thread that dies fails what it held (those go to the retries) and is started again.
 */
export class ThreadSenders implements Senders {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private readonly jobs = new PerTurn<ChannelJob>((jobs) =>
    this.thread().postMessage({ jobs } satisfies JobsMessage),
  );

  constructor(
    private readonly settings: SendersSettings,
    private readonly logger: Logger,
  ) {}

  sendWebhook(event: WebhookEvent): Promise<SendOutcome> {
    return this.enqueue((n) => ({ n, channel: 'webhook', event }));
  }

  sendPush(target: PushTarget, payload: PushPayload): Promise<SendOutcome> {
    return this.enqueue((n) => ({ n, channel: 'push', target, payload }));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private enqueue(job: (n: number) => ChannelJob): Promise<SendOutcome> {
    this.next += 1;
    const n = this.next;
    return new Promise((resolve) => {
      this.pending.set(n, resolve);
      this.jobs.add(job(n));
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_ENTRY, { workerData: this.settings });
    // The main thread's own work keeps the process alive; this one only serves it.
    worker.unref();
    worker.on('message', ({ outcomes }: OutcomesMessage) => {
      for (const [n, outcome] of outcomes) {
        this.pending.get(n)?.(outcome);
        this.pending.delete(n);
      }
    });
    worker.on('error', (err) => this.logger.error({ err }, 'the notification channel thread failed'));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      for (const resolve of this.pending.values()) {
        resolve({ ok: false, error: 'the notification channel thread stopped' });
      }
      this.pending.clear();
    });
    this.worker = worker;
    return worker;
  }
}
