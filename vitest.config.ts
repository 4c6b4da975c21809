import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Safety nets against a hang, not speed goals: CI runs whole suites in parallel on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen: under a loaded CI machine that can take longer than the
    // one-second default, and a longer wait costs only a run that fails anyway.
    expect: { poll: { timeout: 30_000 } },
    reporters: ['default'],
  },
});
