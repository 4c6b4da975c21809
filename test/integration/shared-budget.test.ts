import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SharedBudget } from '../../src/common/rate-limit/shared-budget.js';

const redisUrl = inject('redisUrl');
const WINDOW_MS = 60_000;
// A fixed time in the middle of a window, so no step of a test crosses into the next one by accident.
const T = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS / 2;

/** Consumes `n` points; how many were granted. */
function grant(budget: SharedBudget, key: string, n: number, now = T): number {
  let granted = 0;
  for (let i = 0; i < n; i++) if (budget.consume(key, now) === null) granted += 1;
  return granted;
}

describe.skipIf(!redisUrl)('a rate-limit budget shared by instances through Redis', () => {
  const clients: Redis[] = [];
  const prefix = `sb${randomBytes(4).toString('hex')}`;
  /** An instance's budget of 10 points per window, on its own Redis connection. */
  const instance = (options: { port?: number } = {}) => {
    const redis = options.port
      ? new Redis({
          port: options.port,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
        })
      : new Redis(redisUrl!);
    redis.on('error', () => {});
    clients.push(redis);
    return new SharedBudget(redis, prefix, 10, WINDOW_MS);
  };
  afterAll(() => {
    for (const redis of clients) redis.disconnect();
  });

  it('one budget for all instances: each learns of the others’ grants at its next sync', async () => {
    const [a, b] = [instance(), instance()];
    expect(grant(a, 'u1', 6)).toBe(6);
    await a.sync(T);
    expect(grant(b, 'u1', 4)).toBe(4);
    await b.sync(T);
    // b knows of a's six and its own four: the budget is spent.
    expect(b.consume('u1', T)).toEqual({ msBeforeNext: WINDOW_MS / 2 });
    // a has not synced since b granted: it grants until its next sync, then refuses as well.
    expect(grant(a, 'u1', 1)).toBe(1);
    await a.sync(T);
    expect(a.consume('u1', T)).toEqual({ msBeforeNext: WINDOW_MS / 2 });
    // Another key has a budget of its own, and the next window a whole one.
    expect(grant(a, 'u2', 10)).toBe(10);
    expect(grant(a, 'u1', 10, T + WINDOW_MS)).toBe(10);
  });

  it('without Redis each instance goes on counting in its own memory, and a sync fails quietly', async () => {
    const offline = instance({ port: 1 });
    expect(grant(offline, 'u3', 12)).toBe(10);
    await offline.sync(T);
    expect(offline.consume('u3', T)).toEqual({ msBeforeNext: WINDOW_MS / 2 });
    expect(grant(offline, 'u3', 10, T + WINDOW_MS)).toBe(10);
  });
});
