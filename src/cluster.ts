import cluster from 'node:cluster';
import type { Logger } from 'pino';

/**
 * The primary of `WORKERS=n`: forks n workers that share the port (the workers are the service), replaces
 * a worker that dies, and on SIGTERM/SIGINT passes the signal on and exits once every worker has drained.
 */
export function runPrimary(workers: number, logger: Logger): void {
  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ WORKER_INDEX: String(index) });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ index, code, signal }, 'worker died; starting another');
      fork(index);
    });
  };
  for (let index = 1; index <= workers; index++) fork(index);
  logger.info({ workers }, 'cluster primary started');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
    });
  }
}
