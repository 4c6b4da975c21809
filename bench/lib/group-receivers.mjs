// The receiver threads of `--group N` (--group-threads K): each holds a share of the members that do not
// send, in a worker thread of the bench process (so on the load generator's core, and inside its
// process.cpuUsage()), with its own event loop. Messages: bench/lib/group-receiver-worker.mjs.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./group-receiver-worker.mjs', import.meta.url);

class ReceiverThread {
  constructor(workerData) {
    this.worker = new Worker(WORKER, { workerData });
    this.lastSecond = 0;
    this.waiters = new Map();
    this.failure = undefined;
    this.worker.on('message', (message) => {
      if (message.type === 'second') this.lastSecond = message.count;
      if (message.type === 'error') this.failure = new Error(`receiver thread: ${message.error}`);
      const waiter = this.waiters.get(message.type);
      if (waiter) {
        this.waiters.delete(message.type);
        waiter(message);
      }
    });
    this.worker.on('error', (error) => {
      this.failure = error;
    });
    this.exited = new Promise((resolve) => this.worker.on('exit', resolve));
  }

  /** The next message of `type`; rejects on the thread's failure or exit, or after `timeoutMs`. */
  next(type, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver thread: no "${type}" in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const poll = setInterval(() => {
        if (this.failure) {
          clearTimeout(timer);
          clearInterval(poll);
          reject(this.failure);
        }
      }, 50);
      this.waiters.set(type, (message) => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(message);
      });
    });
  }

  post(message) {
    this.worker.postMessage(message);
  }
}

/** Starts `count` threads over `members` ([{ index, auth }]) and waits until every socket is connected. */
export async function startReceiverThreads(count, { url, transport, chatId, members }) {
  const threads = [];
  for (let t = 0; t < count; t++) {
    const share = members.filter((_, i) => i % count === t);
    if (share.length === 0) continue;
    threads.push(
      new ReceiverThread({ url, transport, chatId, members: share, mainTimeOrigin: performance.timeOrigin }),
    );
  }
  try {
    await Promise.all(threads.map((thread) => thread.next('connected', 120_000)));
  } catch (error) {
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    throw error;
  }
  return {
    count: threads.length,
    setWindow: (start, end) => {
      for (const thread of threads) thread.post({ type: 'window', start, end });
    },
    /** Deliveries the threads heard in their last whole second (for the progress lines). */
    lastSecond: () => threads.reduce((sum, thread) => sum + thread.lastSecond, 0),
    totals: () =>
      Promise.all(
        threads.map((thread) => {
          const answer = thread.next('totals', 30_000);
          thread.post({ type: 'totals' });
          return answer;
        }),
      ),
    /** Closes the sockets; resolves to each thread's totals and latency histogram. */
    finish: async () => {
      const results = await Promise.all(
        threads.map((thread) => {
          const answer = thread.next('result', 30_000);
          thread.post({ type: 'finish' });
          return answer;
        }),
      );
      await Promise.all(threads.map((thread) => thread.exited));
      return results;
    },
    terminate: () => Promise.all(threads.map((thread) => thread.worker.terminate())),
  };
}
