import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The suites that run several instances over one Redis: the redis-cluster project runs them again on a
// Redis Cluster (see test/support/redis-cluster-setup.ts).
const MULTI_INSTANCE = ['test/e2e/*multi-instance*.test.ts'];

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    pool: 'forks',
    // Safety nets against a hang, not speed goals: CI runs whole suites in parallel on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen: under a loaded CI machine that can take longer than the
    // one-second default, and a longer wait costs only a run that fails anyway.
    expect: { poll: { timeout: 30_000 } },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'redis-cluster',
          include: MULTI_INSTANCE,
          globalSetup: ['test/support/global-setup.ts', 'test/support/redis-cluster-setup.ts'],
        },
      },
    ],
  },
});
