import { describe, expect, it, vi } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { createUser, userInput } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, Inbox, refusal, send, sendOk, settle } from '../support/socket.js';
import { startTestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp({
  env: {
    // A window no test outlasts: a burst's count is exact, whatever the machine's speed.
    MESSAGE_RATE_LIMIT: '10/1h',
    MAX_SOCKETS_PER_USER: '2',
    SOCKET_MAX_PAYLOAD_BYTES: '2048',
    AUTH_RATE_LIMIT: '1000',
  },
});

function disconnected(socket: ClientSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

describe('limits', () => {
  it('AUTH_RATE_LIMIT: register and login attempts per IP per minute, loopback included', async () => {
    const limited = await startTestApp({ env: { AUTH_RATE_LIMIT: '3/1h' } });
    try {
      const h = new HttpClient(limited.baseUrl);
      const user = userInput();
      expect((await h.post('/api/auth/register', user)).status).toBe(201);
      expect((await h.post('/api/auth/login', { ...user, password: 'wrong password' })).status).toBe(401);
      expect((await h.post('/api/auth/login', user)).status).toBe(200);
      const res = await fetch(`${limited.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    } finally {
      await limited.close();
    }
  });

  it('MESSAGE_RATE_LIMIT: a flood is refused with RATE_LIMITED and nothing refused is stored', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const socket = await t.online(a);
    const acks = await Promise.all(
      Array.from({ length: 25 }, (_, i) => send(socket, { receiverId: b.id, content: `f${i}` })),
    );
    const ok = acks.filter((ack) => ack.ok);
    const refused = acks.filter((ack) => !ack.ok);
    expect(ok.length).toBe(10);
    expect(refused[0]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const chatId = ok[0]!.ok ? ok[0]!.message.chatId : '';
    const history = await t.http.get(`/api/chats/${chatId}/messages?limit=100`, b.accessToken);
    expect(history.body.items).toHaveLength(ok.length);
  });

  it('MAX_SOCKETS_PER_USER: one socket too many is refused at the handshake', async () => {
    const a = await createUser(t.http);
    await t.online(a);
    await t.online(a);
    expect(await refusal(t.app.baseUrl, { token: a.accessToken })).toBe('too many connections');
  });

  it('SOCKET_MAX_PAYLOAD_BYTES: an oversize packet closes that connection only, storing nothing', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const [sa, sb] = [await t.online(a), await t.online(b)];
    const closed = disconnected(sa);
    sa.emit('chat:message_send', { receiverId: b.id, content: 'x'.repeat(3000) });
    expect(await closed).toBe('transport close');
    await settle(sb);
    expect((await t.http.get('/api/chats', b.accessToken)).body.items).toEqual([]);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${t.app.baseUrl}/api/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
  });
});

describe('ending sessions cuts their sockets', () => {
  it('logout disconnects that session’s sockets for good and leaves the user’s other sessions alone', async () => {
    const a = await createUser(t.http);
    const other = await t.http.post('/api/auth/login', { email: a.email, password: a.password });
    const [mine, theirs] = [await t.online(a), await t.online(a, { token: other.body.accessToken })];
    const cut = disconnected(mine);
    expect((await t.http.post('/api/auth/logout', undefined, a.accessToken)).status).toBe(204);
    expect(await cut).toBe('io server disconnect');
    expect(await refusal(t.app.baseUrl, { token: a.accessToken })).toBe('unauthorized');
    await settle(theirs);
    expect(theirs.connected).toBe(true);
  });

  it('a password change ends every session and socket of the user and starts a new one', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const second = await t.http.post('/api/auth/login', { email: a.email, password: a.password });
    const sockets = [await t.online(a), await t.online(a, { token: second.body.accessToken })];
    const cuts = sockets.map(disconnected);
    const bystander = await t.online(b);
    const changed = await t.http.post(
      '/api/auth/password',
      { currentPassword: a.password, newPassword: 'a brand new secret' },
      a.accessToken,
    );
    expect(changed.status).toBe(200);
    expect(await Promise.all(cuts)).toEqual(['io server disconnect', 'io server disconnect']);
    expect((await t.http.post('/api/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
    expect((await t.http.post('/api/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(
      401,
    );
    expect((await t.http.post('/api/auth/login', { email: a.email, password: a.password })).status).toBe(401);
    expect(
      (await t.http.post('/api/auth/login', { email: a.email, password: 'a brand new secret' })).status,
    ).toBe(200);
    const fresh = await t.online(a, { token: changed.body.accessToken });
    const inbox = new Inbox(bystander, 'chat:message_receive');
    await sendOk(fresh, { receiverId: b.id, content: 'back again' });
    expect(await inbox.waitFor(1)).toHaveLength(1);
  });

  it('reusing a spent refresh token ends its session: its sockets are cut and its newest token is refused', async () => {
    const a = await createUser(t.http);
    const other = await t.http.post('/api/auth/login', { email: a.email, password: a.password });
    const [mine, theirs] = [await t.online(a), await t.online(a, { token: other.body.accessToken })];
    const cut = disconnected(mine);
    const rotated = await t.http.post('/api/auth/refresh', { refreshToken: a.refreshToken });
    expect(rotated.status).toBe(200);
    // The spent token again: whoever holds a copy of it, the session is over.
    expect((await t.http.post('/api/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
    expect(await cut).toBe('io server disconnect');
    expect((await t.http.post('/api/auth/refresh', { refreshToken: rotated.body.refreshToken })).status).toBe(
      401,
    );
    expect(await refusal(t.app.baseUrl, { token: rotated.body.accessToken })).toBe('unauthorized');
    await settle(theirs);
    expect(theirs.connected).toBe(true);
  });

  it('a socket whose handshake races a logout does not stay connected', async () => {
    const a = await createUser(t.http);
    const auth = t.app.app.get(AuthService);
    const realCheck = auth.isSessionActive.bind(auth);
    // The handshake's session check passes, then the logout lands before the socket joins its rooms.
    let raced = false;
    const spy = vi.spyOn(auth, 'isSessionActive').mockImplementation(async (sessionId) => {
      const active = await realCheck(sessionId);
      if (!raced) {
        raced = true;
        expect((await t.http.post('/api/auth/logout', undefined, a.accessToken)).status).toBe(204);
      }
      return active;
    });
    try {
      const socket = await t.online(a);
      // Cut at once, or by the time the test looks: either way the server ended it.
      if (socket.connected) expect(await disconnected(socket)).toBe('io server disconnect');
      expect(socket.connected).toBe(false);
      expect(raced).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a password change with the wrong current password, changing nothing', async () => {
    const a = await createUser(t.http);
    const res = await t.http.post(
      '/api/auth/password',
      { currentPassword: 'nope nope', newPassword: 'whatever123' },
      a.accessToken,
    );
    expect(res.status).toBe(401);
    expect((await t.http.post('/api/auth/login', { email: a.email, password: a.password })).status).toBe(200);
  });
});
