// The channel thread's entry (see ThreadSenders): signs, encrypts and posts the notifications the main
// thread hands it, and answers each with its outcome.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type ChannelJob, type JobsMessage, type OutcomesMessage, PerTurn } from './channel-jobs.js';
import type { SendOutcome } from './send-outcome.js';
import { LocalSenders, type SendersSettings } from './senders.js';

lowerPriority();

const port = parentPort!;
const senders = new LocalSenders(workerData as SendersSettings);
const answers = new PerTurn<[number, SendOutcome]>((outcomes) =>
  port.postMessage({ outcomes } satisfies OutcomesMessage),
);

port.on('message', ({ jobs }: JobsMessage) => {
  for (const job of jobs) void run(job).then((outcome) => answers.add([job.n, outcome]));
});

function run(job: ChannelJob): Promise<SendOutcome> {
  return job.channel === 'webhook'
    ? senders.sendWebhook(job.event)
    : senders.sendPush(job.target, job.payload);
}

/**
 * Notifications are background work: on a busy core the send path comes first, and the outbox catches up
 * when it has room (it is durable, so waiting loses nothing). Linux keeps a nice value per thread; elsewhere
 * the thread keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(threadId, 19);
  } catch {
    // No /proc, or not allowed: the same priority as the rest.
  }
}
