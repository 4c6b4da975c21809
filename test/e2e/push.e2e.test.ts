import { describe, expect, it } from 'vitest';
import type { PushPayload } from '../../src/contract/notifications.js';
import { createUser, type TestUser } from '../support/factories.js';
import { createGroup, createUsers } from '../support/groups.js';
import { HttpClient } from '../support/http.js';
import { subscribePush, untilPending, useNotificationRig } from '../support/notifications.js';
import type { ReceivedPush } from '../support/push-service.js';
import { sendOk } from '../support/socket.js';
import { startTestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

const rig = useNotificationRig();
const t = useTestApp(rig.options);

const pushesTo = (name: string) => rig.push.received.filter((p) => p.name === name);
const messagePushes = (name: string, messageId: string) =>
  pushesTo(name).filter((p) => p.payload?.type === 'message' && p.payload.messageId === messageId);
/** Waits until the webhook of the message has gone: the tick that would have pushed it has finished. */
const handled = (messageId: string) =>
  rig.receiver.waitFor(
    (events) => events.some((e) => 'message' in e.data && e.data.message.id === messageId),
    `the webhook of ${messageId}`,
  );
const mute = (user: TestUser, chatId: string, body: unknown) =>
  t.http.request('PUT', `/api/chats/${chatId}/notifications`, { token: user.accessToken, body });

describe('Web Push', () => {
  it('pushes a message to an offline recipient once, encrypted for their subscription and signed with the VAPID key', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const { name } = await subscribePush(t.http, rig.push, bob);
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'are you there?' });
    await rig.push.waitFor(() => messagePushes(name, message.id).length > 0, 'the push');
    await handled(message.id);

    const [push] = messagePushes(name, message.id) as [ReceivedPush];
    expect(push.ok).toBe(true);
    expect(push.payload).toEqual({
      type: 'message',
      id: `msg_${message.id}`,
      chatId: message.chatId,
      messageId: message.id,
      seq: message.seq,
      title: alice.name,
      body: 'are you there?',
    } satisfies PushPayload);
    const key = await t.http.get<{ publicKey: string }>('/api/push/key', bob.accessToken);
    expect(push.vapidKey).toBe(key.body.publicKey);
    expect(push.headers.urgency).toBe('high');
    expect(messagePushes(name, message.id)).toHaveLength(1);
  });

  it('pushes nothing to a recipient with a socket open', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const { name } = await subscribePush(t.http, rig.push, bob);
    await t.online(bob);
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'you are online' });
    await handled(message.id);
    expect(pushesTo(name)).toHaveLength(0);
  });

  it('pushes one per message to every device, with the group as title and the sender in the body', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const group = await createGroup(t, alice, [bob], { title: 'Climbers' });
    const phone = await subscribePush(t.http, rig.push, bob);
    const laptop = await subscribePush(t.http, rig.push, bob);
    const message = await sendOk(await t.online(alice), { chatId: group.id, content: 'rope?' });
    await rig.push.waitFor(
      () =>
        messagePushes(phone.name, message.id).length + messagePushes(laptop.name, message.id).length === 2,
      'both devices',
    );
    await handled(message.id);
    for (const device of [phone, laptop]) {
      expect(
        messagePushes(device.name, message.id).map((p) => [
          p.payload?.type === 'message' && p.payload.title,
          p.payload?.type === 'message' && p.payload.body,
        ]),
      ).toEqual([['Climbers', `${alice.name}: rope?`]]);
    }
  });

  it('pushes nothing for a muted chat until the mute runs out or is lifted; webhooks still carry it', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const socket = await t.online(alice);
    const { name } = await subscribePush(t.http, rig.push, bob);
    const first = await sendOk(socket, { receiverId: bob.id, content: 'one' });
    await rig.push.waitFor(() => messagePushes(name, first.id).length === 1, 'the first push');

    const until = new Date(t.app.clock.now() + 3_600_000).toISOString();
    const muted = await mute(bob, first.chatId, { level: 'none', mutedUntil: until });
    expect([muted.status, muted.body]).toEqual([200, { level: 'none', mutedUntil: until }]);
    const chat = await t.http.get(`/api/chats/${first.chatId}`, bob.accessToken);
    expect(chat.body.notifications).toEqual({ level: 'none', mutedUntil: until });
    const quiet = await sendOk(socket, { receiverId: bob.id, content: 'two' });
    await handled(quiet.id);
    expect(messagePushes(name, quiet.id)).toHaveLength(0);

    t.app.clock.advance(3_600_000);
    expect((await t.http.get(`/api/chats/${first.chatId}`, bob.accessToken)).body.notifications).toEqual({
      level: 'all',
      mutedUntil: null,
    });
    const after = await sendOk(socket, { receiverId: bob.id, content: 'three' });
    await rig.push.waitFor(
      () => messagePushes(name, after.id).length === 1,
      'the push after the mute ran out',
    );

    expect((await mute(bob, first.chatId, { level: 'none' })).body).toEqual({
      level: 'none',
      mutedUntil: null,
    });
    const forGood = await sendOk(socket, { receiverId: bob.id, content: 'four' });
    await handled(forGood.id);
    expect(messagePushes(name, forGood.id)).toHaveLength(0);
    expect((await mute(bob, first.chatId, { level: 'all' })).body).toEqual({
      level: 'all',
      mutedUntil: null,
    });
    const back = await sendOk(socket, { receiverId: bob.id, content: 'five' });
    await rig.push.waitFor(() => messagePushes(name, back.id).length === 1, 'the push after unmuting');
  });

  it('refuses a bad mute, and a mute of a chat the caller is not in', async () => {
    const [alice, bob, eve] = await createUsers(t, 3);
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'x' });
    const past = new Date(t.app.clock.now() - 1000).toISOString();
    for (const body of [
      { level: 'some' },
      { level: 'none', mutedUntil: past },
      { level: 'all', mutedUntil: past },
      {},
    ]) {
      const res = await mute(bob, message.chatId, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const outsider = await mute(eve, message.chatId, { level: 'none' });
    expect([outsider.status, outsider.body.code]).toEqual([404, 'CHAT_NOT_FOUND']);
  });

  it('never pushes a blocked sender: not in their direct chat, not in a group', async () => {
    const [alice, bob, carol] = await createUsers(t, 3);
    const bobDevice = await subscribePush(t.http, rig.push, bob);
    const carolDevice = await subscribePush(t.http, rig.push, carol);
    expect(
      (await t.http.request('PUT', `/api/users/me/blocks/${alice.id}`, { token: bob.accessToken })).status,
    ).toBe(200);
    const group = await createGroup(t, carol, [alice, bob]);
    const socket = await t.online(alice);
    const direct = await sendOk(socket, { receiverId: bob.id, content: 'let me in' });
    const inGroup = await sendOk(socket, { chatId: group.id, content: 'hi all' });
    await rig.push.waitFor(() => messagePushes(carolDevice.name, inGroup.id).length === 1, "carol's push");
    await handled(direct.id);
    await handled(inGroup.id);
    expect(pushesTo(bobDevice.name).filter((p) => p.payload?.type === 'message')).toHaveLength(0);
  });

  it('removes a subscription the push service calls gone (404 or 410), and retries other failures with the same id', async () => {
    const [alice, bob, carol] = await createUsers(t, 3);
    const gone = await subscribePush(t.http, rig.push, bob);
    const flaky = await subscribePush(t.http, rig.push, carol);
    rig.pushAnswer = (request, n) =>
      request.name === gone.name ? 410 : request.name === flaky.name && n === 1 ? 500 : 201;
    const socket = await t.online(alice);
    const toBob = await sendOk(socket, { receiverId: bob.id, content: 'b' });
    const toCarol = await sendOk(socket, { receiverId: carol.id, content: 'c' });
    await rig.push.waitFor(() => messagePushes(gone.name, toBob.id).length === 1, 'the push answered 410');
    await rig.push.waitFor(() => messagePushes(flaky.name, toCarol.id).length === 1, 'the push answered 500');
    // The retry is due 5 s later on the default schedule.
    await untilPending(t.http, 'push', 1);
    t.app.clock.advance(5000);
    await rig.push.waitFor(() => messagePushes(flaky.name, toCarol.id).length === 2, 'the retry');
    const ids = messagePushes(flaky.name, toCarol.id).map((p) => p.payload!.id);
    expect(ids).toEqual([`msg_${toCarol.id}`, `msg_${toCarol.id}`]);

    const again = await sendOk(socket, { receiverId: bob.id, content: 'b2' });
    await handled(again.id);
    expect(messagePushes(gone.name, again.id)).toHaveLength(0);
    rig.pushAnswer = () => 201;
  });

  it('closes the notifications of the other devices when the user reads the chat', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const { name } = await subscribePush(t.http, rig.push, bob);
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'read me' });
    await rig.push.waitFor(() => messagePushes(name, message.id).length === 1, 'the push');
    const read = await t.http.post(
      `/api/chats/${message.chatId}/read`,
      { messageId: message.id },
      bob.accessToken,
    );
    expect(read.status).toBe(200);
    await rig.push.waitFor(
      () => pushesTo(name).some((p) => p.payload?.type === 'read' && p.payload.chatId === message.chatId),
      'the read push',
    );
    expect(pushesTo(name).find((p) => p.payload?.type === 'read')!.payload).toEqual({
      type: 'read',
      id: `read_${message.chatId}_${message.seq}`,
      chatId: message.chatId,
      seq: message.seq,
    });
  });
});

describe('push subscriptions', () => {
  const subscription = (name: string) => rig.push.createSubscriptionKeys(name).json();
  const post = (user: TestUser, body: unknown) =>
    t.http.request('POST', '/api/push/subscriptions', { token: user.accessToken, body });

  it('refuses what is not a browser PushSubscription, with the field named', async () => {
    const user = await createUser(t.http);
    const good = subscription(`v-${user.id}`);
    const cases: [unknown, string][] = [
      [{ ...good, endpoint: good.endpoint.replace('https:', 'http:') }, 'endpoint'],
      [{ ...good, endpoint: 'not a url' }, 'endpoint'],
      [{ ...good, keys: { ...good.keys, p256dh: 'AAAA' } }, 'keys.p256dh'],
      [{ ...good, keys: { ...good.keys, auth: '!!!' } }, 'keys.auth'],
      [{ endpoint: good.endpoint }, 'keys'],
    ];
    for (const [body, field] of cases) {
      const res = await post(user, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    expect((await t.http.request('POST', '/api/push/subscriptions', { body: good })).status).toBe(401);
  });

  it('keeps at most 10 per user, takes over an endpoint registered again, and removes one on DELETE', async () => {
    const [user, other] = await createUsers(t, 2);
    const bodies = Array.from({ length: 10 }, (_, i) => subscription(`cap-${user.id}-${i}`));
    for (const body of bodies) expect((await post(user, body)).status).toBe(201);
    const eleventh = await post(user, subscription(`cap-${user.id}-10`));
    expect([eleventh.status, eleventh.body.code]).toEqual([409, 'PUSH_SUBSCRIPTION_LIMIT']);
    // The same endpoint again is an update, not an eleventh.
    expect((await post(user, bodies[0])).status).toBe(201);
    // Another user signing in on that browser takes the endpoint over.
    expect((await post(other, bodies[1])).status).toBe(201);
    expect((await post(user, subscription(`cap-${user.id}-11`))).status).toBe(201);
    const removed = await t.http.request('DELETE', '/api/push/subscriptions', {
      token: user.accessToken,
      body: { endpoint: bodies[2]!.endpoint },
    });
    expect(removed.status).toBe(204);
    expect((await post(user, subscription(`cap-${user.id}-12`))).status).toBe(201);
  });

  it("logout removes that session's subscriptions, not the other sessions'", async () => {
    const [alice, bob] = await createUsers(t, 2);
    const login = await t.http.post('/api/auth/login', { email: bob.email, password: bob.password });
    const kept = await subscribePush(t.http, rig.push, bob, login.body.accessToken);
    const dropped = await subscribePush(t.http, rig.push, bob);
    expect((await t.http.post('/api/auth/logout', undefined, bob.accessToken)).status).toBe(204);
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'after logout' });
    await rig.push.waitFor(() => messagePushes(kept.name, message.id).length === 1, 'the other session');
    await handled(message.id);
    expect(messagePushes(dropped.name, message.id)).toHaveLength(0);
  });

  it('refuses an endpoint on a loopback or private address unless PUSH_ALLOW_PRIVATE_ENDPOINTS is on', async () => {
    const app = await startTestApp();
    try {
      const http = new HttpClient(app.baseUrl);
      const user = await createUser(http);
      const keys = subscription(`private-${user.id}`).keys;
      for (const endpoint of [
        'https://127.0.0.1/push',
        'https://10.0.0.8/push',
        'https://192.168.1.20:8443/push',
        'https://[::1]/push',
        'https://169.254.169.254/latest',
        'https://localhost/push',
      ]) {
        const res = await http.request('POST', '/api/push/subscriptions', {
          token: user.accessToken,
          body: { endpoint, keys },
        });
        expect([res.status, res.body.code], endpoint).toEqual([400, 'PUSH_ENDPOINT_REFUSED']);
      }
    } finally {
      await app.close();
    }
  });
});
