import { beforeAll, describe, expect, it } from 'vitest';
import { createUsers } from '../support/groups.js';
import { subscribePush, useNotificationRig } from '../support/notifications.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// Web Push on a service with no WEBHOOK_URL: the outbox then reads only what can be pushed.
const rig = useNotificationRig();
beforeAll(() => {
  delete rig.options.env!.WEBHOOK_URL;
});
const t = useTestApp(rig.options);

const pushesTo = (name: string) =>
  rig.push.received.filter((p) => p.name === name && p.payload?.type === 'message');

describe('Web Push without webhooks', () => {
  it('pushes a message to an offline member who subscribed, and nothing for a chat where only the sender did', async () => {
    const [alice, bob, carol] = await createUsers(t, 3);
    const alicePhone = await subscribePush(t.http, rig.push, alice);
    const bobPhone = await subscribePush(t.http, rig.push, bob);
    const socket = await t.online(alice);

    // Carol has no subscription: a message to her notifies nobody, the sender's own devices least of all.
    await sendOk(socket, { receiverId: carol.id, content: 'to carol' });
    const toBob = await sendOk(socket, { receiverId: bob.id, content: 'to bob' });
    await rig.push.waitFor(() => pushesTo(bobPhone.name).length > 0, "bob's push");

    expect(pushesTo(bobPhone.name).map((p) => [p.ok, p.payload])).toEqual([
      [
        true,
        {
          type: 'message',
          id: `msg_${toBob.id}`,
          chatId: toBob.chatId,
          messageId: toBob.id,
          seq: toBob.seq,
          title: alice.name,
          body: 'to bob',
        },
      ],
    ]);
    expect(pushesTo(alicePhone.name)).toEqual([]);
    expect(rig.receiver.requests).toEqual([]);
  });
});
