import { expect, it } from 'vitest';
import type { ChatClient } from '../../packages/client/src/index.js';
import { useTestApp } from '../support/use-test-app.js';
import { nextState, recordStates, useClients } from './support.js';

// Access tokens that live a few seconds, so a session outlives several of them within one test.
const suite = useTestApp({ env: { ACCESS_TOKEN_TTL: '3' } });
const clients = useClients();

function expiryOf(token: string): number {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp * 1000;
}

/** Resolves at the first refresh the client makes after `time` (ms since the epoch). */
function refreshAfter(client: ChatClient, time: number) {
  return client.when('tokens', () => Date.now() > time);
}

it('an access token expiring mid-session is invisible to the app', async () => {
  const url = suite.app.baseUrl;
  const [alice, bob] = await clients.pair(url);
  const states = recordStates(alice);
  const { chatId } = await alice.sent(alice.send({ receiverId: bob.user.id }, 'before'));

  // The first token expires while the session goes on: the SDK refreshed before it did.
  const first = alice.session.accessToken;
  await refreshAfter(alice, expiryOf(first));
  const stale = await suite.http.get('/api/users/me', first);
  expect(stale.status, 'the first token has expired on the service').toBe(401);

  // Sends, REST calls and a reconnect all work without the app doing anything.
  await alice.sent(alice.send({ chatId }, 'after'));
  expect((await alice.api.me()).id).toBe(alice.user.id);
  expect(states).not.toContain('offline');

  // A call that goes out with an expired token (a device that slept through its refresh) is refreshed and retried.
  alice.session.accessToken = first;
  expect((await alice.api.chat(chatId)).id).toBe(chatId);
  expect(alice.session.accessToken).not.toBe(first);

  // A reconnect presents the current token, never the one the socket first connected with.
  const back = nextState(alice, 'live');
  alice.socket.io.engine.close();
  await back;
  await alice.sent(alice.send({ chatId }, 'after a reconnect'));
  await bob.store.until((s) => s.messages(chatId).length === 3);
  expect(bob.store.messages(chatId).map((m) => m.content)).toEqual(['before', 'after', 'after a reconnect']);
});

it('a password change ends the old session and the client carries on in the new one', async () => {
  const url = suite.app.baseUrl;
  const [alice, bob] = await clients.pair(url);
  const { chatId } = await alice.sent(alice.send({ receiverId: bob.user.id }, 'before'));
  const oldRefreshToken = alice.session.refreshToken;

  // The service cuts the old session's sockets; the client comes back on the new session's token.
  const cut = nextState(alice, 'offline');
  await alice.api.changePassword({
    currentPassword: 'correct horse battery',
    newPassword: 'a new horse battery',
  });
  await cut;
  await nextState(alice, 'live');
  await alice.sent(alice.send({ chatId }, 'after'));
  await bob.store.until((s) => s.messages(chatId).length === 2);
  expect(alice.session.ended).toBe(false);
  const reuse = await suite.http.post('/api/auth/refresh', { refreshToken: oldRefreshToken });
  expect(reuse.status, 'the old session is over').toBe(401);
});
