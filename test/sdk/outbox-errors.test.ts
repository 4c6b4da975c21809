import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { OutgoingMessage } from '../../packages/client/src/index.js';
import { useTestApp } from '../support/use-test-app.js';
import { useClients } from './support.js';

const suite = useTestApp();
const clients = useClients();

it('a send the service refuses on its merits fails at once and for good; the ones behind it go out', async () => {
  const url = suite.app.baseUrl;
  const [alice, bob] = await clients.pair(url);
  const updates: [string, OutgoingMessage['status']][] = [];
  alice.on('outgoing', (m) => updates.push([m.payload.content ?? '', m.status]));

  // A chat that is not hers answers as one that does not exist: a permission refusal.
  const nobody = alice.send({ chatId: randomUUID() }, 'to nobody');
  const tooLong = alice.send({ receiverId: bob.user.id }, 'x'.repeat(5000));
  const fine = alice.send({ receiverId: bob.user.id }, 'fine');
  expect(nobody.status).toBe('sending');

  await expect(alice.sent(nobody)).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND' });
  await expect(alice.sent(tooLong)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  const stored = await alice.sent(fine);
  expect(stored.content).toBe('fine');
  expect(alice.outbox.pending()).toEqual([]);
  expect(updates.slice(0, 3)).toEqual([
    ['to nobody', 'sending'],
    ['x'.repeat(5000), 'sending'],
    ['fine', 'sending'],
  ]);
  // Each ends once; the service may answer them in any order.
  expect(updates.slice(3)).toHaveLength(3);
  expect(updates.slice(3)).toEqual(
    expect.arrayContaining([
      ['to nobody', 'failed'],
      ['x'.repeat(5000), 'failed'],
      ['fine', 'sent'],
    ]),
  );
  await alice.store.until((s) => s.messages(stored.chatId).length === 1);
});
