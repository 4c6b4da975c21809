import { describe, expect, it } from 'vitest';
import { createUser, userInput } from '../support/factories.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

const NUL = '\u0000';
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';

function expectRefused(res: { status: number; body: { code?: string } }, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.code, what).toBe('VALIDATION_FAILED');
}

describe('text PostgreSQL cannot hold is refused with 400 and stores nothing', () => {
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
