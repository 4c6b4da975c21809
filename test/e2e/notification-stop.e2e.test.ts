import { expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.service.js';
import { OutboxDispatcher } from '../../src/notifications/outbox-dispatcher.js';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { useNotificationRig } from '../support/notifications.js';
import { closeAll, connect, sendOk } from '../support/socket.js';
import { startTestApp } from '../support/test-app.js';

const rig = useNotificationRig();

it('a stop waits for the webhook in flight instead of cutting it off and storing a retry of it', async () => {
  const app = await startTestApp(rig.options);
  const http = new HttpClient(app.baseUrl);
  const [alice, bob] = [await createUser(http), await createUser(http)];
  const socket = await connect(app.baseUrl, { token: alice.accessToken });
  rig.webhookAnswer = () => 'hang';
  const message = await sendOk(socket, { receiverId: bob.id, content: 'in flight at the stop' });
  await rig.receiver.hung();
  closeAll(socket);

  // The webhook is answered only once the stop has reached the outbox, past the point where it was cut off.
  const dispatcher = app.app.get(OutboxDispatcher);
  const stopHook = dispatcher.beforeApplicationShutdown.bind(dispatcher);
  const outboxStopping = new Promise<void>((resolve) => {
    dispatcher.beforeApplicationShutdown = () => {
      resolve();
      return stopHook();
    };
  });
  const metrics = app.app.get(Metrics);
  const stopped = app.close();
  await outboxStopping;
  rig.webhookAnswer = () => 200;
  rig.receiver.releaseHung(200);
  await stopped;

  expect(rig.receiver.accepted.map((e) => e.id)).toEqual([`evt_${message.chatId}_${message.seq}`]);
  expect((await metrics.notificationsSent.get()).values).toEqual([
    expect.objectContaining({ labels: { channel: 'webhook' }, value: 1 }),
  ]);
  expect((await metrics.notificationsFailed.get()).values.map((v) => v.value)).toEqual([]);
});
