import { expect, it } from 'vitest';
import type { ChatClient } from '../../packages/client/src/index.js';
import { useTestApp } from '../support/use-test-app.js';
import { expectStoreMatchesService, useClients } from './support.js';

const suite = useTestApp();
const clients = useClients();

/** Makes the client's socket lose the next event that `matches`, as a lost packet would; resolves when it did. */
function loseNext(client: ChatClient, matches: (event: string, payload: Record<string, unknown>) => boolean) {
  const socket = client.socket as unknown as {
    onevent(packet: { data: [string, Record<string, unknown>] }): void;
  };
  const deliver = socket.onevent.bind(socket);
  return new Promise<void>((resolve) => {
    socket.onevent = (packet) => {
      if (!matches(...packet.data)) return deliver(packet);
      socket.onevent = deliver;
      resolve();
    };
  });
}

it('a message or a change lost on the way is filled in when the next entry of its chat shows the hole', async () => {
  const url = suite.app.baseUrl;
  const [alice, bob] = await clients.pair(url);
  const first = await alice.sent(alice.send({ receiverId: bob.user.id }, 'first'));
  const chatId = first.chatId;
  await bob.store.until((s) => s.messages(chatId).length === 1);

  // A lost message comes back from history.
  const lostMessage = loseNext(bob, (event, m) => event === 'chat:message_receive' && m.content === 'lost');
  await alice.sent(alice.send({ chatId }, 'lost'));
  await lostMessage;
  await alice.sent(alice.send({ chatId }, 'next'));
  await bob.store.until((s) => s.messages(chatId).length === 3);
  expect(bob.store.messages(chatId).map((m) => m.content)).toEqual(['first', 'lost', 'next']);

  // A lost edit of an older message is not in history's list of newer messages: the sync brings it.
  const lostEdit = loseNext(bob, (event) => event === 'chat:message_edited');
  await alice.edit(first.id, 'first, edited');
  await lostEdit;
  await alice.sent(alice.send({ chatId }, 'after the edit'));
  await bob.store.until((s) => s.messages(chatId).length === 4);
  expect(bob.store.message(chatId, first.id)?.content).toBe('first, edited');
  await expectStoreMatchesService(bob, chatId, 'the device that lost two events');
});
