import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { parseDurationSeconds } from '../../src/config/duration.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: tmp() });
    expect(config.port).toBe(5056);
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.jwt.refreshTtlSeconds).toBe(30 * 86400);
    expect(config.corsOrigins).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['ACCESS_TOKEN_TTL', '15 minutes'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_SECRET', 'short'],
    ['MESSAGE_PARTITIONS', '-1'],
    ['MESSAGE_PARTITIONS', '257'],
    ['MESSAGE_PARTITIONS', 'many'],
  ])('stops on a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('partitions the message tables on PostgreSQL and keeps them plain on PGlite, unless MESSAGE_PARTITIONS says', () => {
    const partitions = (env: Record<string, string>) =>
      loadConfig({ DATA_DIR: tmp(), ...env }).database.messagePartitions;
    const postgres = { DATABASE_URL: 'postgresql://u@h/db' };
    expect(partitions(postgres)).toBe(8);
    expect(partitions({})).toBe(0);
    expect(partitions({ ...postgres, MESSAGE_PARTITIONS: '0' })).toBe(0);
    expect(partitions({ MESSAGE_PARTITIONS: '4' })).toBe(4);
  });

  it('leaves the JWT secret to the database unless JWT_SECRET is set', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).jwt.configuredSecret).toBeUndefined();
    const secret = 'x'.repeat(40);
    expect(
      Buffer.from(loadConfig({ DATA_DIR: tmp(), JWT_SECRET: secret }).jwt.configuredSecret!).toString(),
    ).toBe(secret);
  });

  it('takes the seed’s REDIS_HOST and REDIS_PORT when REDIS_URL is unset, and names them as ignored when it is', () => {
    expect(loadConfig({ DATA_DIR: tmp(), REDIS_HOST: 'cache', REDIS_PORT: '6382' }).redis.url).toBe(
      'redis://cache:6382',
    );
    expect(loadConfig({ DATA_DIR: tmp(), REDIS_PORT: '6390' }).redis.url).toBe('redis://127.0.0.1:6390');
    const both = loadConfig({
      DATA_DIR: tmp(),
      REDIS_URL: 'redis://main:6379',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6382',
    });
    expect(both.redis.url).toBe('redis://main:6379');
    expect(both.ignored.map((i) => i.name)).toEqual(['REDIS_HOST', 'REDIS_PORT']);
  });

  it('takes a Redis Cluster as REDIS_CLUSTER=true and its seed nodes separated by commas', () => {
    const config = loadConfig({
      DATA_DIR: tmp(),
      REDIS_CLUSTER: 'true',
      REDIS_URL: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000',
    });
    expect(config.redis).toMatchObject({
      cluster: true,
      nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'],
    });
    expect(loadConfig({ DATA_DIR: tmp(), REDIS_URL: 'redis://main:6379' }).redis).toMatchObject({
      cluster: false,
      nodes: ['redis://main:6379'],
    });
  });

  it.each([
    [{ REDIS_CLUSTER: 'yes', REDIS_URL: 'redis://a:7000' }, /REDIS_CLUSTER: must be true or false/],
    [{ REDIS_CLUSTER: 'true' }, /REDIS_CLUSTER: true needs REDIS_URL/],
    [{ REDIS_URL: 'redis://a:7000,redis://b:7000' }, /REDIS_URL: a list of nodes is a Redis Cluster/],
    [{ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://a:7000,,redis://b:7000' }, /REDIS_URL: "\(empty\)"/],
    [{ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://a:7000,b:7000' }, /REDIS_URL: "b:7000" is not/],
    [{ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://a:7000/2' }, /REDIS_URL: a cluster has database 0 only/],
    [{ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://a:7000,rediss://b:7000' }, /all use redis:\/\/ or all/],
  ])('stops on a bad Redis Cluster setting (%o), naming it', (env, message) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(message);
  });

  it('names a Prisma-style ?schema= other than public as ignored', () => {
    const config = loadConfig({ DATA_DIR: tmp(), DATABASE_URL: 'postgresql://u@h:5432/db?schema=chat' });
    expect(config.ignored).toEqual([
      { name: 'DATABASE_URL', reason: expect.stringContaining('schema=chat') },
    ]);
    expect(
      loadConfig({ DATA_DIR: tmp(), DATABASE_URL: 'postgresql://u@h/db?schema=public' }).ignored,
    ).toEqual([]);
  });

  it('reads rate limits as a count per the limit’s unit, or per a window of its own', () => {
    const rates = (env: Record<string, string>) => loadConfig({ DATA_DIR: tmp(), ...env }).limits.rates;
    // Per second: counted in two-second windows, bursts of twice the rate.
    expect(rates({ MESSAGE_RATE_LIMIT: '5' }).messages).toEqual({ points: 10, seconds: 2 });
    expect(rates({ MESSAGE_RATE_LIMIT: '10/1h' }).messages).toEqual({ points: 10, seconds: 3600 });
    expect(rates({ SYNC_RATE_LIMIT: '7' }).sync).toEqual({ points: 7, seconds: 60 });
    expect(rates({}).typing).toEqual({ points: 10, seconds: 5 });
    for (const bad of ['0', 'ten', '5/fortnight', '5/0', '-1']) {
      expect(() => loadConfig({ DATA_DIR: tmp(), RECEIPT_RATE_LIMIT: bad })).toThrow(/RECEIPT_RATE_LIMIT:/);
    }
  });

  it('splits CORS_ORIGINS', () => {
    expect(
      loadConfig({ DATA_DIR: tmp(), CORS_ORIGINS: 'https://a.test, https://b.test' }).corsOrigins,
    ).toEqual(['https://a.test', 'https://b.test']);
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['900', 900],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
    ['0', null],
    ['-5', null],
    ['5w', null],
  ])('%s -> %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});
