import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser, userInput } from '../support/factories.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

const NUL = '\u0000';
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';

function expectRefused(res: { status: number; body: { code?: string } }, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.code, what).toBe('VALIDATION_FAILED');
}

const token = (text: string) => Buffer.from(text).toString('base64url');

describe('text PostgreSQL cannot hold is refused with 400 and stores nothing', () => {
  it.each([
    ['a NUL byte', `https://cdn.example.test/a${NUL}b.png`],
    ['a lone surrogate', `https://cdn.example.test/a${LONE_HIGH}.png`],
  ])('PATCH /api/users/me: an avatar with %s', async (_label, avatar) => {
    const user = await createUser(t.http);
    const res = await t.http.patch('/api/users/me', { name: 'Changed', avatar }, user.accessToken);
    expectRefused(res, 'avatar');
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain('avatar');
    expect((await t.http.get('/api/users/me', user.accessToken)).body).toMatchObject({
      name: user.name,
      avatar: null,
    });
  });

  it('POST /api/auth/register: an avatar with a NUL byte, and the email stays free', async () => {
    const input = userInput({ avatar: `https://cdn.example.test/${NUL}.png` });
    expectRefused(await t.http.post('/api/auth/register', input), 'register');
    const retry = await t.http.post('/api/auth/register', { ...input, avatar: null });
    expect(retry.status).toBe(201);
  });

  it.each([
    ['email', { email: `a${NUL}@example.test` }],
    ['email', { email: `a${LONE_LOW}@example.test` }],
    ['password', { password: `correct horse${NUL}` }],
    ['password', { password: `correct horse${LONE_HIGH}` }],
    ['name', { name: `Emil${LONE_HIGH}` }],
  ])('POST /api/auth/register: a %s PostgreSQL cannot hold', async (field, override) => {
    const res = await t.http.post('/api/auth/register', { ...userInput(), ...override });
    expectRefused(res, field);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it.each([
    ['login email', '/api/auth/login', { email: `a${NUL}@example.test`, password: 'whatever it is' }],
    ['login password', '/api/auth/login', { email: 'a@example.test', password: `x${NUL}` }],
    ['refresh token', '/api/auth/refresh', { refreshToken: `abc${NUL}` }],
    ['refresh token', '/api/auth/refresh', { refreshToken: `abc${LONE_LOW}` }],
  ])('POST %s with text PostgreSQL cannot hold', async (what, path, body) => {
    expectRefused(await t.http.post(path, body), what);
  });

  it('POST /api/auth/password: a new password with a lone surrogate is refused, the old one still works', async () => {
    const user = await createUser(t.http);
    const res = await t.http.post(
      '/api/auth/password',
      { currentPassword: user.password, newPassword: `new password${LONE_HIGH}` },
      user.accessToken,
    );
    expectRefused(res, 'newPassword');
    const login = await t.http.post('/api/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
  });

  it.each([['%00'], ['a%00b'], [encodeURIComponent(`x${NUL}`)]])('GET /api/users?q=%s', async (q) => {
    const user = await createUser(t.http);
    expectRefused(await t.http.get(`/api/users?q=${q}`, user.accessToken), `q=${q}`);
  });
});

describe('avatars: only a normalized http(s) URL is stored', () => {
  it('stores the normalized form of the URL (scheme and host in lower case)', async () => {
    const user = await createUser(t.http);
    const res = await t.http.patch(
      '/api/users/me',
      { avatar: 'HTTP://CDN.Example.TEST/Faces/E.png' },
      user.accessToken,
    );
    expect(res.status).toBe(200);
    expect(res.body.avatar).toBe('http://cdn.example.test/Faces/E.png');
    const registered = await t.http.post(
      '/api/auth/register',
      userInput({ avatar: 'https://CDN.example.test' }),
    );
    expect(registered.body.user.avatar).toBe('https://cdn.example.test/');
  });

  it.each([
    ['white space inside', 'HTTP://Example.COM/a b'],
    ['padding', ' https://cdn.example.test/a.png'],
    ['a tab', 'https://cdn.example.test/a\t.png'],
    ['a control character', 'https://cdn.example.test/a\u0007.png'],
    ['an ideographic space', 'https://cdn.example.test/a\u3000.png'],
    ['credentials', 'https://user:secret@cdn.example.test/a.png'],
    ['a user name', 'https://user@cdn.example.test/a.png'],
    ['another scheme', 'ftp://cdn.example.test/a.png'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:image/png;base64,AAAA'],
    ['a relative URL', '/a.png'],
    ['more than 2048 characters once normalized', `https://cdn.example.test/${'é'.repeat(400)}`],
    ['more than 2048 characters', `https://cdn.example.test/${'a'.repeat(2048)}`],
  ])('refuses an avatar with %s', async (_label, avatar) => {
    const user = await createUser(t.http);
    const res = await t.http.patch('/api/users/me', { avatar }, user.accessToken);
    expectRefused(res, avatar);
    expect((await t.http.get('/api/users/me', user.accessToken)).body.avatar).toBeNull();
  });
});

describe('GET /api/sync refuses every forged token with 400', () => {
  let user: TestUser;
  let message: MessageView;

  beforeAll(async () => {
    user = await createUser(t.http);
    const peer = await createUser(t.http);
    message = await sendOk(await t.online(user), { receiverId: peer.id, content: 'hello' });
  });

  const position = () => `${message.chatId}|1`;

  it.each([
    ['xmin > xmax', () => '5:3:|||'],
    ['xmin 0 (not a transaction id)', () => '0:5:|||'],
    ['xmax 0', () => '0:0:|||'],
    ['an xmax whose 32-bit transaction id is 0', () => '1:4294967296:|||'],
    ['an xmin whose 32-bit transaction id is 0', () => '4294967296:4294967297:|||'],
    ['an xip below xmin', () => '5:10:4|||'],
    ['an xip equal to xmax', () => '5:10:10|||'],
    ['an xip above xmax', () => '5:10:11|||'],
    ['xips in descending order', () => '5:10:8,6|||'],
    ['xmax beyond 2^64-1', () => '1:18446744073709551616:|||'],
    ['xmin beyond 2^64-1', () => '99999999999999999999:99999999999999999999:|||'],
    ['an xip beyond 2^64-1', () => '1:18446744073709551615:18446744073709551616|||'],
    ['a sign', () => '+1:5:|||'],
    ['a minus', () => '-1:5:|||'],
    ['spaces', () => ' 1:5:|||'],
    ['a trailing comma', () => '1:5:2,|||'],
    ['an empty xip', () => '1:5:2,,3|||'],
    ['no from', () => '|||'],
    ['an invalid upper snapshot', () => `1:1:|5:3:|${position()}`],
    ['an upper snapshot with an xip out of range', () => `1:1:|5:10:12|${position()}`],
    ['an upper snapshot before the lower one', () => `10:10:|5:5:|${position()}`],
    ['an upper snapshot that lacks what the lower one saw', () => `5:10:|5:10:7|${position()}`],
    ['a seq over int4', () => `1:1:|10:10:|${message.chatId}|9999999999`],
    ['a seq of 2^31', () => `1:1:|10:10:|${message.chatId}|2147483648`],
    ['a negative seq', () => `1:1:|10:10:|${message.chatId}|-1`],
    ['a malformed chat id', () => '1:1:|10:10:|------------------------------------|1'],
    ['a chat id that is no uuid', () => '1:1:|10:10:|zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz|1'],
    ['a position without an upper snapshot', () => `1:1:||${position()}`],
    ['an upper snapshot without a position', () => '1:1:|10:10:||'],
    ['too many parts', () => `1:1:|10:10:|${position()}|x`],
    ['a NUL byte', () => `1:1:${NUL}|||`],
  ])('%s', async (label, text) => {
    const res = await t.http.get(`/api/sync?since=${token(text())}`, user.accessToken);
    expectRefused(res, label);
  });

  it.each([
    ['a NUL byte', () => `${token('1:1:|||')}%00`],
    ['a lone surrogate', () => `${token('1:1:|||')}%ED%A0%80`],
    // Node's decoder skips these and would read a valid position.
    ['padding', () => `${token('1:1:|||')}%3D%3D`],
    ['a character outside base64url', () => `${token('1:1:|||')}%21`],
    ['a space inside', () => `${token('1:1:|||').slice(0, 4)}%20${token('1:1:|||').slice(4)}`],
  ])('the token string itself with %s', async (label, since) => {
    expectRefused(await t.http.get(`/api/sync?since=${since()}`, user.accessToken), label);
  });

  it('accepts what PostgreSQL accepts: the largest ids, duplicate xips, an upper snapshot equal to the lower', async () => {
    for (const text of [
      '1:18446744073709551615:|||',
      '18446744073709551615:18446744073709551615:|||',
      '5:10:6,6,7|||',
      '1:4294967297:4294967296|||',
      `5:10:6|5:10:6|${position()}`,
      `5:10:6|11:12:|${position()}`,
    ]) {
      const res = await t.http.get(`/api/sync?since=${token(text)}`, user.accessToken);
      expect(res.status, `${text}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });
});

describe('GET /api/chats?before= refuses impossible cursors with 400', () => {
  let user: TestUser;
  let chats: { id: string }[];
  let realTime: string;

  beforeAll(async () => {
    user = await createUser(t.http);
    const socket = await t.online(user);
    for (let i = 0; i < 3; i++) {
      const peer = await createUser(t.http);
      await sendOk(socket, { receiverId: peer.id, content: `hi ${i}` });
    }
    const page = await t.http.get('/api/chats?limit=1', user.accessToken);
    chats = (await t.http.get('/api/chats', user.accessToken)).body.items;
    realTime = Buffer.from(page.body.nextCursor, 'base64url').toString().split('|')[0]!;
  });

  const cursor = (time: string, id: string = randomUUID()) => token(`${time}|${id}`);

  it.each([
    ['month 13', '2026-13-01 10:00:00.123456+00'],
    ['month 0', '2026-00-01 10:00:00.123456+00'],
    ['day 45', '2026-01-45 10:00:00.123456+00'],
    ['day 0', '2026-01-00 10:00:00+00'],
    ['February 30', '2026-02-30 10:00:00+00'],
    ['February 29 of a common year', '2026-02-29 10:00:00+00'],
    ['hour 25', '2026-01-01 25:00:00+00'],
    ['hour 24', '2026-01-01 24:00:00+00'],
    ['minute 60', '2026-01-01 10:60:00+00'],
    ['second 61', '2026-01-01 10:00:61+00'],
    ['an offset of 99 hours', '2026-01-01 10:00:00+99'],
    ['seven fraction digits', '2026-01-01 10:00:00.1234567+00'],
    ['a missing offset', '2026-01-01 10:00:00'],
    ['year 0', '0000-01-01 10:00:00+00'],
    ['junk after the time', '2026-01-01 10:00:00+00 x'],
    ['time only', '10:00:00+00'],
    ['an empty time', ''],
  ])('a time with %s', async (label, time) => {
    expectRefused(await t.http.get(`/api/chats?before=${cursor(time)}`, user.accessToken), label);
  });

  it.each([
    ['only dashes', '------------------------------------'],
    ['a letter beyond f', 'g0000000-0000-4000-8000-000000000000'],
    ['no dashes', '0123456789abcdef0123456789abcdef'],
    ['braces', '{01234567-89ab-4def-8123-456789abcdef}'],
    ['an empty id', ''],
  ])('an id with %s', async (label, id) => {
    const res = await t.http.get(`/api/chats?before=${cursor(realTime, id)}`, user.accessToken);
    expectRefused(res, label);
  });

  it.each([
    ['a third part', () => `${realTime}|${randomUUID()}|x`],
    ['no separator', () => realTime],
    ['a NUL byte', () => `${realTime}${NUL}|${randomUUID()}`],
  ])('a cursor with %s', async (label, text) => {
    expectRefused(await t.http.get(`/api/chats?before=${token(text())}`, user.accessToken), label);
  });

  it.each([
    ['padding', '%3D'],
    ['a character outside base64url', '%21'],
  ])('a real cursor with %s added (read as the same cursor by a lax decoder)', async (label, extra) => {
    const real = token(`${realTime}|${chats[0]!.id}`);
    expect((await t.http.get(`/api/chats?before=${real}`, user.accessToken)).status).toBe(200);
    expectRefused(await t.http.get(`/api/chats?before=${real}${extra}`, user.accessToken), label);
  });

  it('keeps the microseconds of the time it carries, whatever offset writes it', async () => {
    const [first, second] = chats;
    const [, , micros] = realTime.match(/^(.*)\.(\d{1,6})([+-].*)$/) ?? [];
    expect(micros, realTime).toBeDefined();
    // The first chat's own time, and the nil uuid: the first chat is at that time but after the nil
    // id, so the page starts at the second chat.
    const first1 = await t.http.get('/api/chats?limit=1', user.accessToken);
    const [time1, id1] = Buffer.from(first1.body.nextCursor, 'base64url').toString().split('|');
    expect(id1).toBe(first!.id);
    const nil = '00000000-0000-0000-0000-000000000000';
    const atIt = await t.http.get(`/api/chats?before=${cursor(time1!, nil)}`, user.accessToken);
    expect(atIt.status).toBe(200);
    expect(atIt.body.items[0].id).toBe(second!.id);
    // One microsecond later: the first chat comes again.
    const later = await t.http.get(
      `/api/chats?before=${cursor(plusMicrosecond(time1!), nil)}`,
      user.accessToken,
    );
    expect(later.status).toBe(200);
    expect(later.body.items[0].id).toBe(first!.id);
    // The same instant written at another offset.
    const shifted = await t.http.get(`/api/chats?before=${cursor(atOffset(time1!), nil)}`, user.accessToken);
    expect(shifted.body.items.map((c: { id: string }) => c.id)).toEqual(
      atIt.body.items.map((c: { id: string }) => c.id),
    );
  });
});

describe('GET /api/chats/:chatId/messages refuses seqs beyond int4 with 400', () => {
  it('before and after above 2147483647 are refused; 2147483647 itself is fine', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const message = await sendOk(await t.online(a), { receiverId: b.id, content: 'one' });
    const path = `/api/chats/${message.chatId}/messages`;
    for (const query of ['before=2147483648', 'after=2147483648', 'after=9999999999', 'before=1e10']) {
      expectRefused(await t.http.get(`${path}?${query}`, a.accessToken), query);
    }
    const top = await t.http.get(`${path}?before=2147483647`, a.accessToken);
    expect(top.status).toBe(200);
    expect(top.body.items.map((m: MessageView) => m.id)).toEqual([message.id]);
    const none = await t.http.get(`${path}?after=2147483647`, a.accessToken);
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
  });
});

// PostgreSQL's text form `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`, one microsecond later (same offset).
function plusMicrosecond(time: string): string {
  const [, whole, fraction = '', offset] = time.match(/^(.*?)(?:\.(\d{1,6}))?([+-][\d:]+)$/)!;
  const micros = Number(fraction.padEnd(6, '0')) + 1;
  if (micros < 1_000_000) return `${whole}.${String(micros).padStart(6, '0')}${offset}`;
  const next = new Date(`${whole!.replace(' ', 'T')}${offsetIso(offset!)}`);
  next.setUTCSeconds(next.getUTCSeconds() + 1);
  return `${next.toISOString().slice(0, 19).replace('T', ' ')}.000000+00`;
}

// The same instant, written at +05:30.
function atOffset(time: string): string {
  const [, whole, fraction = '', offset] = time.match(/^(.*?)(?:\.(\d{1,6}))?([+-][\d:]+)$/)!;
  const instant = new Date(`${whole!.replace(' ', 'T')}${offsetIso(offset!)}`);
  const shifted = new Date(instant.getTime() + (5 * 60 + 30) * 60_000);
  return `${shifted.toISOString().slice(0, 19).replace('T', ' ')}.${fraction.padEnd(6, '0')}+05:30`;
}

function offsetIso(offset: string): string {
  return offset.length === 3 ? `${offset}:00` : offset;
}
