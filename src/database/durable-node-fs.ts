import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

interface NodeStream {
  nfd: number;
}

interface EmscriptenModule {
  NODEFS: {
    stream_ops: Record<string, unknown>;
    tryFSOperation<T>(operation: () => T): T;
  };
}

/**
 * PGlite's files on disk, made durable. PGlite starts PostgreSQL with fsync off, and its file system
 * (Emscripten's NODEFS) has no fsync either: a commit reached the OS's cache, never the disk, so an
 * acknowledged message could be lost to a power cut. Here fsync reaches the disk, and PostgreSQL runs with
 * fsync on and `wal_sync_method=fsync` (Emscripten's fdatasync does nothing): every commit that wrote
 * flushes its WAL before it returns, and checkpoints flush the data files, as PostgreSQL does anywhere.
 */
export class DurableNodeFS extends NodeFS {
  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(...args);
    const preRun = [
      ...(emscriptenOpts.preRun ?? []),
      (mod: EmscriptenModule) => {
        // NODEFS nodes share this object: every file opened from now on gets the real fsync.
        mod.NODEFS.stream_ops.fsync = (stream: NodeStream) =>
          mod.NODEFS.tryFSOperation(() => {
            fs.fsyncSync(stream.nfd);
            return 0;
          });
      },
    ];
    return { emscriptenOpts: { ...emscriptenOpts, preRun: preRun as typeof emscriptenOpts.preRun } };
  }
}

/** PGlite's own start parameters, without the one that turns fsync off, and the WAL synced with fsync. */
export const DURABLE_START_PARAMS = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'wal_sync_method=fsync',
];
