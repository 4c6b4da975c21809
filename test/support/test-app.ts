import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { inject } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { UNLIMITED } from './limits.js';
import { ManualClock } from './manual-clock.js';
import { redisEnv } from './redis-env.js';

export interface TestApp {
  app: NestFastifyApplication;
  /** The app's time: move it forward instead of waiting (grace periods, typing expiry). */
  clock: ManualClock;
  baseUrl: string;
  port: number;
  dataDir: string;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a DATA_DIR (PGlite data, generated secret) from an earlier app: a restart. */
  dataDir?: string;
  /** A certificate the app trusts for push endpoints (the stand-in push service's). */
  pushCa?: string;
}

/** The real service, configured as in production, listening on a free loopback port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'live-chat-test-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: testSecret,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Suites register and send far faster than a person; test/e2e/limits.e2e.test.ts checks the limits.
    ...UNLIMITED,
    ...(inject('databaseUrl') ? { DATABASE_URL: inject('databaseUrl')! } : {}),
    // Each test app gets its own Redis namespace unless a test shares one between instances on purpose.
    ...(inject('redisUrl') ? { ...redisEnv(), REDIS_PREFIX: `t${randomBytes(4).toString('hex')}` } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const clock = new ManualClock();
  const app = await createApp(config, createLogger(config.logLevel), { clock, pushCa: options.pushCa });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    clock,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    async close({ keepData = false } = {}) {
      await app.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// One secret per test process, so tokens survive a simulated restart within a file.
export const testSecret = randomBytes(48).toString('base64url');

/** The configuration of a running app for these variables, for the rules that take one directly. */
export function settledConfig(env: Record<string, string>): AppConfig {
  const { jwt, configuredInstanceId: _, ...boot } = loadConfig({ JWT_SECRET: testSecret, ...env });
  return {
    ...boot,
    jwt: { ...jwt, secret: jwt.configuredSecret!, generated: false },
    instanceId: 'test',
    vapid: { publicKey: 'test', privateKey: 'test', generated: false },
  };
}
