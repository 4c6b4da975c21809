import { describe, expect, it } from 'vitest';
import { createUser, userInput } from '../support/factories.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

describe('POST /api/auth/register', () => {
  it('creates an account and answers 201 with tokens and the user', async () => {
    const input = userInput({ avatar: 'https://cdn.example.test/a.png' });
    const res = await t.http.post('/api/auth/register', input);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: input.email,
        name: input.name,
        avatar: 'https://cdn.example.test/a.png',
        createdAt: expect.any(String),
      },
    });
    expect(res.body.user).not.toHaveProperty('passwordHash');
  });

  it('stores the email in lower case and refuses the same email in another case with 409', async () => {
    const input = userInput();
    const first = await t.http.post('/api/auth/register', { ...input, email: input.email.toUpperCase() });
    expect(first.status).toBe(201);
    expect(first.body.user.email).toBe(input.email);
    const again = await t.http.post('/api/auth/register', {
      ...input,
      email: input.email.replace(/^u/, 'U'),
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: expect.any(String),
      code: 'EMAIL_TAKEN',
    });
  });

  it.each([
    ['a password under 8 characters', { password: 'short12' }, 'password'],
    ['a password over 256 characters', { password: 'x'.repeat(257) }, 'password'],
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a name over 80 characters', { name: 'n'.repeat(81) }, 'name'],
    ['a javascript: avatar', { avatar: 'javascript:alert(1)' }, 'avatar'],
    ['a name of the wrong type', { name: 42 }, 'name'],
  ])('refuses %s with 400 naming the field', async (_label, override, field) => {
    const res = await t.http.post('/api/auth/register', { ...userInput(), ...override });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it('accepts passwords of exactly 8 and 256 characters and names of 80', async () => {
    for (const password of ['p'.repeat(8), 'p'.repeat(256)]) {
      const res = await t.http.post('/api/auth/register', userInput({ password, name: 'n'.repeat(80) }));
      expect(res.status).toBe(201);
    }
  });
});

describe('POST /api/auth/login', () => {
  it('logs in with the right password, whatever the case of the email', async () => {
    const user = await createUser(t.http);
    const res = await t.http.post('/api/auth/login', {
      email: user.email.toUpperCase(),
      password: user.password,
    });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
    expect(res.body.accessToken).toEqual(expect.any(String));
  });

  it('gives the same 401 for a wrong password and for an unknown email', async () => {
    const user = await createUser(t.http);
    const wrong = await t.http.post('/api/auth/login', { email: user.email, password: 'wrong password' });
    const unknown = await t.http.post('/api/auth/login', {
      email: 'nobody@example.test',
      password: user.password,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Email or password is incorrect',
      code: 'INVALID_CREDENTIALS',
    });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a body without a password with 400', async () => {
    const res = await t.http.post('/api/auth/login', { email: 'a@example.test' });
    expect(res.status).toBe(400);
  });
});

describe('GET and PATCH /api/users/me', () => {
  it('returns the caller', async () => {
    const user = await createUser(t.http);
    const res = await t.http.get('/api/users/me', user.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      email: user.email,
      name: user.name,
      avatar: null,
      createdAt: expect.any(String),
    });
  });

  it.each([
    ['no token', undefined],
    ['a forged token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic2lkIjoieSJ9.c2lnbmF0dXJl'],
    ['garbage', 'not-a-jwt'],
  ])('answers 401 with %s', async (_label, token) => {
    const res = await t.http.get('/api/users/me', token);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('changes name and avatar, and clears the avatar with null', async () => {
    const user = await createUser(t.http);
    const changed = await t.http.patch(
      '/api/users/me',
      { name: '  Emil  ', avatar: 'https://x.test/e.jpg' },
      user.accessToken,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Emil', avatar: 'https://x.test/e.jpg' });
    const cleared = await t.http.patch('/api/users/me', { avatar: null }, user.accessToken);
    expect(cleared.body.avatar).toBeNull();
    expect((await t.http.get('/api/users/me', user.accessToken)).body).toMatchObject({
      name: 'Emil',
      avatar: null,
    });
  });

  it('refuses an empty change or a bad avatar with 400 and changes nothing', async () => {
    const user = await createUser(t.http);
    expect((await t.http.patch('/api/users/me', {}, user.accessToken)).status).toBe(400);
    const bad = await t.http.patch(
      '/api/users/me',
      { name: 'New', avatar: 'ftp://x.test/a' },
      user.accessToken,
    );
    expect(bad.status).toBe(400);
    expect((await t.http.get('/api/users/me', user.accessToken)).body.name).toBe(user.name);
  });
});

describe('GET /api/users?q=', () => {
  it('finds people by part of their name or exact email, never the caller, without emails', async () => {
    const tag = `Zq${Date.now().toString(36)}`;
    const me = await createUser(t.http, { name: `${tag} Me` });
    const other = await createUser(t.http, { name: `${tag} Other` });
    const byName = await t.http.get(`/api/users?q=${encodeURIComponent(tag.toLowerCase())}`, me.accessToken);
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({ items: [{ id: other.id, name: other.name, avatar: null }] });
    const byEmail = await t.http.get(`/api/users?q=${encodeURIComponent(other.email)}`, me.accessToken);
    expect(byEmail.body.items.map((u: { id: string }) => u.id)).toEqual([other.id]);
  });

  it('treats % and _ literally', async () => {
    const me = await createUser(t.http);
    const res = await t.http.get('/api/users?q=%25', me.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});

describe('refresh and logout', () => {
  it('rotates: the new pair works and the old refresh token is refused', async () => {
    const user = await createUser(t.http);
    const first = await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await t.http.get('/api/users/me', first.body.accessToken)).status).toBe(200);
    const reused = await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('revokes the whole session when a spent refresh token is presented again', async () => {
    const user = await createUser(t.http);
    const rotated = await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(rotated.status).toBe(200);
    expect((await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    // The legitimate holder's newer token dies with the session.
    expect((await t.http.post('/api/auth/refresh', { refreshToken: rotated.body.refreshToken })).status).toBe(
      401,
    );
  });

  it('leaves other sessions of the same user alone', async () => {
    const user = await createUser(t.http);
    const other = await t.http.post('/api/auth/login', { email: user.email, password: user.password });
    await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect((await t.http.post('/api/auth/refresh', { refreshToken: other.body.refreshToken })).status).toBe(
      200,
    );
  });

  it('refuses an unknown or missing refresh token', async () => {
    expect((await t.http.post('/api/auth/refresh', { refreshToken: 'nope' })).status).toBe(401);
    expect((await t.http.post('/api/auth/refresh', {})).status).toBe(400);
  });

  it('logout answers 204 and its refresh token stops working', async () => {
    const user = await createUser(t.http);
    const out = await t.http.post('/api/auth/logout', undefined, user.accessToken);
    expect(out.status).toBe(204);
    expect((await t.http.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await t.http.post('/api/auth/logout')).status).toBe(401);
  });
});
