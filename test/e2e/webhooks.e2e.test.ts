import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../src/contract/notifications.js';
import type { DatabaseHandle } from '../../src/database/database.js';
import { DATABASE } from '../../src/database/database.module.js';
import { addMembers, createGroup, createUsers, removeMember } from '../support/groups.js';
import { subscribePush, untilPending, useNotificationRig } from '../support/notifications.js';
import { emitAck, sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';
import type { WebhookRequest } from '../support/webhook-receiver.js';

const rig = useNotificationRig();
const t = useTestApp(rig.options);

const ofMessage = (messageId: string) => (e: WebhookEvent) =>
  ('message' in e.data && e.data.message.id === messageId) ||
  ('messageId' in e.data && e.data.messageId === messageId);
const eventsOf = (messageId: string) => rig.receiver.events.filter(ofMessage(messageId));

describe('webhooks', () => {
  it('carries every change of a message once, signed with every secret, with chatId and seq in order', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const socket = await t.online(alice);
    const message = await sendOk(socket, { receiverId: bob.id, content: 'hello webhooks' });
    // An event carries the message as it stands when the event is sent: let it go before the changes.
    await rig.receiver.waitFor((events) => events.some(ofMessage(message.id)), 'the message');
    await emitAck(socket, 'chat:message_edit', { messageId: message.id, content: 'hello, edited' });
    await emitAck(socket, 'chat:reaction_add', { messageId: message.id, emoji: '👍' });
    // A delete for everyone scrubs the text of the message's edits from the log, also from an edit's
    // event not sent yet: let those go first.
    await rig.receiver.waitFor(
      (events) => events.filter(ofMessage(message.id)).length === 3,
      'edit and reaction',
    );
    await emitAck(socket, 'chat:message_delete', { messageId: message.id, scope: 'everyone' });
    await rig.receiver.waitFor(
      (events) => events.some((e) => e.type === 'message.deleted' && ofMessage(message.id)(e)),
      'the delete',
    );

    const events = eventsOf(message.id);
    expect(events.map((e) => e.type)).toEqual([
      'message.created',
      'message.edited',
      'reaction.updated',
      'message.deleted',
    ]);
    const seqs = events.map((e) => e.data.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.data.chatId))).toEqual(new Set([message.chatId]));
    const created = events[0] as WebhookEvent<'message.created'>;
    expect(created.data.message).toMatchObject({
      id: message.id,
      content: 'hello webhooks',
      sender: { id: alice.id },
    });
    // Bob has no socket, no mute, no block: a push relay should notify him.
    expect(created.data.notifyUserIds).toEqual([bob.id]);
    expect(events[1]!.data).toMatchObject({ messageId: message.id, content: 'hello, edited' });
    expect(events[2]!.data).toMatchObject({
      messageId: message.id,
      userId: alice.id,
      emoji: '👍',
      op: 'add',
      count: 1,
    });
    for (const event of events) {
      expect(rig.receiver.byId.get(event.id)).toBe(1);
      expect(event.id).toBe(`evt_${event.data.chatId}_${event.data.seq}`);
    }
    expect(rig.receiver.rejected).toBe(0);
  });

  it('signs so that a tampered body, another secret or an old timestamp fails verification', async () => {
    const [alice, bob] = await createUsers(t, 2);
    let captured: WebhookRequest | undefined;
    rig.webhookAnswer = (request) => {
      const { data } = request.event;
      if ('message' in data && data.message.sender.id === alice.id) captured = request;
      return 200;
    };
    const message = await sendOk(await t.online(alice), { receiverId: bob.id, content: 'sign me' });
    await rig.receiver.waitFor(() => captured?.event.data.chatId === message.chatId, 'the signed request');
    rig.webhookAnswer = () => 200;
    const { rawBody, headers } = captured!;
    const signed = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(signed['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of rig.secrets) expect(() => new Webhook(secret).verify(rawBody, signed)).not.toThrow();
    const tampered = rawBody.replace('sign me', 'sign m3');
    expect(() => new Webhook(rig.secrets[0]!).verify(tampered, signed)).toThrow();
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => new Webhook(other).verify(rawBody, signed)).toThrow();
    // The signature covers the timestamp: an old one with this signature fails, and so does a request
    // signed long ago (a replay), even with a matching signature.
    const old = String(Math.floor(Date.now() / 1000) - 600);
    expect(() =>
      new Webhook(rig.secrets[0]!).verify(rawBody, { ...signed, 'webhook-timestamp': old }),
    ).toThrow();
    const replay = new Webhook(rig.secrets[0]!).sign(
      signed['webhook-id'],
      new Date(Number(old) * 1000),
      rawBody,
    );
    expect(() =>
      new Webhook(rig.secrets[0]!).verify(rawBody, {
        ...signed,
        'webhook-timestamp': old,
        'webhook-signature': replay,
      }),
    ).toThrow(/too old/i);
  });

  it('tells of group membership: created, added and removed, each with the chat and its seq', async () => {
    const [owner, a, b] = await createUsers(t, 3);
    const group = await createGroup(t, owner, [a], { title: 'Hooks' });
    await addMembers(t, owner, group.id, [b.id]);
    await removeMember(t, owner, group.id, a.id);
    await rig.receiver.waitFor(
      (events) => events.some((e) => e.type === 'chat.member_removed' && e.data.chatId === group.id),
      'the removal',
    );
    const events = rig.receiver.events.filter((e) => e.data.chatId === group.id);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['chat.member_added', { chatId: group.id, seq: 1, userIds: [owner.id, a.id], actorId: owner.id }],
      ['chat.member_added', { chatId: group.id, seq: 2, userIds: [b.id], actorId: owner.id }],
      [
        'chat.member_removed',
        { chatId: group.id, seq: 3, userId: a.id, reason: 'removed', actorId: owner.id },
      ],
    ]);
  });

  it('retries a failing endpoint on WEBHOOK_RETRY_SCHEDULE with the same id, keeping the chat in order', async () => {
    const database = t.app.app.get<DatabaseHandle>(DATABASE);
    const [alice, bob] = await createUsers(t, 2);
    const socket = await t.online(alice);
    let failing = '';
    rig.webhookAnswer = (request, attempt) => (request.id === failing && attempt <= 3 ? 500 : 200);
    const first = await sendOk(socket, { receiverId: bob.id, content: 'first', clientMessageId: 'r-1' });
    failing = `evt_${first.chatId}_${first.seq}`;
    // Told apart by the first attempt: the receiver must see the first one fail before the second is sent.
    await rig.receiver.waitFor(() => rig.receiver.byId.get(failing) === 1, 'the first attempt');
    const second = await sendOk(socket, { receiverId: bob.id, content: 'second' });

    const retryRow = async (attempts: number) => {
      for (;;) {
        const [row] = await database.query<{ attempts: number; due: string }>(
          `SELECT attempts, next_attempt_at AS due FROM outbox_retries WHERE id = $1`,
          [failing],
        );
        if (row && row.attempts === attempts) return new Date(row.due).getTime();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    // The default schedule: immediately, then 5 s, 5 min, 30 min later.
    for (const [attempts, wait] of [
      [1, 5_000],
      [2, 300_000],
      [3, 1_800_000],
    ] as const) {
      expect(await retryRow(attempts)).toBe(t.app.clock.now() + wait);
      expect(rig.receiver.byId.get(`evt_${second.chatId}_${second.seq}`)).toBeUndefined();
      t.app.clock.advance(wait);
    }
    await rig.receiver.waitFor(
      () => rig.receiver.accepted.some((e) => e.id === `evt_${second.chatId}_${second.seq}`),
      'the second message after the first',
    );
    expect(rig.receiver.byId.get(failing)).toBe(4);
    const accepted = rig.receiver.accepted
      .filter((e) => e.data.chatId === first.chatId)
      .map((e) => e.data.seq);
    expect(accepted).toEqual([first.seq, second.seq]);
    expect(rig.receiver.idsByEvent.get(`${first.chatId}:${first.seq}:message.created`)).toEqual(
      new Set([failing]),
    );
    rig.webhookAnswer = () => 200;
  });

  it('dead-letters after the last attempt, counts it, and lets the chat go on', async () => {
    const [alice, bob] = await createUsers(t, 2);
    const socket = await t.online(alice);
    let doomed = '';
    rig.webhookAnswer = (request) => (request.id === doomed ? 503 : 200);
    const message = await sendOk(socket, { receiverId: bob.id, content: 'never lands' });
    doomed = `evt_${message.chatId}_${message.seq}`;
    const after = await sendOk(socket, { receiverId: bob.id, content: 'lands after the dead letter' });
    // Every wait of the default schedule after the first attempt; each retry is made before time moves on.
    const waits = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    for (const [i, wait] of waits.entries()) {
      await rig.receiver.waitFor(() => rig.receiver.byId.get(doomed) === i + 1, `attempt ${i + 1}`);
      await untilRetryRecorded(i + 1);
      t.app.clock.advance(wait);
    }
    await rig.receiver.waitFor(
      () => rig.receiver.accepted.some((e) => e.id === `evt_${after.chatId}_${after.seq}`),
      'the next message of the chat',
    );
    expect(rig.receiver.byId.get(doomed)).toBe(8);
    await untilPending(t.http, 'webhook', 0);
    const health = await t.http.get('/api/health/notifications');
    expect(health.body.channels.webhook).toMatchObject({ dead: 1, pending: 0 });
    const metrics = await fetch(`${t.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/chat_notifications_dead_total\{channel="webhook"\} 1\b/);
    expect(metrics).toMatch(/chat_outbox_dead\{channel="webhook"\} 1\b/);
    rig.webhookAnswer = () => 200;

    async function untilRetryRecorded(attempts: number): Promise<void> {
      const database = t.app.app.get<DatabaseHandle>(DATABASE);
      for (;;) {
        const [row] = await database.query<{ attempts: number }>(
          `SELECT attempts FROM outbox_retries WHERE id = $1`,
          [doomed],
        );
        if (row?.attempts === attempts) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });

  it('notifies a push relay only of members who are offline, not muting, not blocking', async () => {
    const [alice, bob, carol, dave] = await createUsers(t, 4);
    const group = await createGroup(t, alice, [bob, carol, dave], { title: 'Relay' });
    await t.online(bob);
    const muted = await t.http.request('PUT', `/api/chats/${group.id}/notifications`, {
      token: carol.accessToken,
      body: { level: 'none' },
    });
    expect(muted.status).toBe(200);
    await subscribePush(t.http, rig.push, dave);
    const message = await sendOk(await t.online(alice), { chatId: group.id, content: 'who hears?' });
    await rig.receiver.waitFor((events) => events.some(ofMessage(message.id)), 'the message');
    const created = eventsOf(message.id)[0] as WebhookEvent<'message.created'>;
    expect(created.data.notifyUserIds).toEqual([dave.id]);
  });
});
