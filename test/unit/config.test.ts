import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
  ])('stops on a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('generates a JWT secret once, stores it under DATA_DIR and reuses it', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.jwt.generated).toBe(true);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(true);
    const second = loadConfig({ DATA_DIR: dir });
    expect(Buffer.from(second.jwt.secret).toString()).toBe(readFileSync(join(dir, 'jwt-secret'), 'utf8'));
    expect(second.jwt.secret).toEqual(first.jwt.secret);
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
