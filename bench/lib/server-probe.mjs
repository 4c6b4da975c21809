// Preloaded into the server under test (node --import). Over the bench's IPC channel it answers
// `bench:memory` with process.memoryUsage() (after a full GC when node runs with --expose-gc), measures
// how late its event loop runs over a window (`bench:loop-start`, `bench:loop-stop`) and, for
// --profile, starts and stops a V8 CPU profile of this process. Inert without that channel.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

// process.memoryUsage() reads /proc/self/stat for the RSS, which fails (EMFILE) when the server is at
// its open-files limit: then the heap figures come from V8 alone (the bench reads RSS from /proc itself).
function memoryUsage() {
  try {
    return process.memoryUsage();
  } catch {
    const heap = getHeapStatistics();
    return { heapTotal: heap.total_heap_size, heapUsed: heap.used_heap_size, external: heap.external_memory };
  }
}

let session;
let loopDelay;
const ms = (ns) => Math.round(ns / 1e4) / 100;
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

async function handle(message) {
  switch (message.type) {
    case 'bench:memory':
      if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
      return { usage: memoryUsage() };
    case 'bench:loop-start':
      loopDelay?.disable();
      loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      return {};
    case 'bench:loop-stop': {
      loopDelay.disable();
      const { mean, max } = loopDelay;
      return { delay: { mean: ms(mean), p99: ms(loopDelay.percentile(99)), max: ms(max) } };
    }
    case 'bench:profile-start':
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 }); // µs
      await post('Profiler.start');
      return {};
    case 'bench:profile-stop': {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      writeFileSync(message.file, JSON.stringify(profile));
      return { file: message.file };
    }
    default:
      return undefined;
  }
}

if (process.send) {
  process.on('message', (message) => {
    if (typeof message?.type !== 'string' || !message.type.startsWith('bench:')) return;
    handle(message).then(
      (reply) => reply && process.send({ ...reply, type: message.type, id: message.id }),
      (error) => process.send({ type: message.type, id: message.id, error: String(error) }),
    );
  });
  // The channel must not keep the server alive on its own, nor stop it from shutting down.
  process.channel?.unref();
}
