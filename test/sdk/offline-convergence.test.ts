import { afterAll, expect, it } from 'vitest';
import { ChatClient, MemoryStorage, type StoredChat } from '../../packages/client/src/index.js';
import { userInput } from '../support/factories.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { useTestApp } from '../support/use-test-app.js';
import { expectStoreMatchesService, nextState, signUp, useClients } from './support.js';

const suite = useTestApp();
const clients = useClients();
let proxy: TcpProxy | undefined;
afterAll(() => proxy?.close());

/** What a UI shows of a chat: everything but the other side's ticks, which sync does not carry. */
function shown({ peerReadSeq: _, peerDeliveredSeq: __, ...chat }: StoredChat) {
  return chat;
}

it('a device offline during edits, deletes, reactions and membership changes ends with the store of one that stayed online', async () => {
  const url = suite.app.baseUrl;
  // Bob's second device reaches the service through a relay that the test cuts: the device goes offline.
  proxy = await startTcpProxy({ host: '127.0.0.1', port: suite.app.port });
  const [alice, carol, dave] = [await signUp(url), await signUp(url), await signUp(url)];
  const bobInput = userInput();
  const online = await ChatClient.register(url, bobInput, { storage: new MemoryStorage() });
  const offline = await ChatClient.login(`http://127.0.0.1:${proxy.port}`, bobInput, {
    storage: new MemoryStorage(),
  });
  clients.track(alice, carol, dave, online, offline);
  await Promise.all([alice, carol, dave, online, offline].map((c) => c.live()));
  const bob = online.user;

  const one = await alice.sent(alice.send({ receiverId: bob.id }, 'one'));
  const direct = one.chatId;
  const two = await online.sent(online.send({ chatId: direct }, { content: 'two', replyToId: one.id }));
  const three = await alice.sent(alice.send({ chatId: direct }, 'three'));
  const four = await alice.sent(alice.send({ chatId: direct }, 'four'));
  const group = (await alice.api.createGroup({ title: 'Plans', memberIds: [bob.id, carol.user.id] })).id;
  const g1 = await alice.sent(alice.send({ chatId: group }, 'group one'));
  const g2 = await carol.sent(carol.send({ chatId: group }, { content: 'group two', replyToId: g1.id }));
  await offline.store.until((s) => s.messages(direct).length === 4 && s.messages(group).length === 3);

  const gone = nextState(offline, 'offline');
  await proxy.cut();
  await gone;

  await alice.edit(one.id, 'one, edited');
  await alice.deleteMessage(three.id, 'everyone');
  await online.deleteMessage(four.id, 'me');
  // Reactions show in the order each emoji first came, by the app's clock; this one moves only when told.
  const react = async (done: Promise<unknown>) => {
    await done;
    suite.app.clock.advance(1);
  };
  await react(alice.react(two.id, '👍'));
  await react(online.react(two.id, '❤️'));
  await react(online.react(one.id, '😂'));
  await react(online.unreact(one.id, '😂'));
  await react(online.react(one.id, '🎉'));
  const five = await online.sent(online.send({ chatId: direct }, 'five'));
  await alice.edit(five.id, 'not hers').catch(() => 'refused');
  await alice.api.addMembers(group, [dave.user.id]);
  await alice.api.removeMember(group, carol.user.id);
  await alice.api.updateGroup(group, { title: 'Plans, renamed' });
  await alice.api.setRole(group, bob.id, 'admin');
  await dave.sent(dave.send({ chatId: group }, 'hi from dave'));
  await alice.edit(g1.id, 'group one, edited');
  await react(alice.react(g2.id, '🙏'));
  await alice.sent(alice.send({ chatId: direct }, 'six'));
  await online.markRead(direct, five.id);
  const lastDirect = await alice.sent(alice.send({ chatId: direct }, 'done'));
  const lastGroup = await alice.sent(alice.send({ chatId: group }, 'done'));
  await online.store.until((s) => !!s.message(direct, lastDirect.id) && !!s.message(group, lastGroup.id));

  const back = nextState(offline, 'live');
  await proxy.restore();
  await back;

  for (const chatId of [direct, group]) {
    expect(offline.store.messages(chatId), chatId).toEqual(online.store.messages(chatId));
    expect(shown(offline.store.chat(chatId)!)).toEqual(shown(online.store.chat(chatId)!));
    await expectStoreMatchesService(online, chatId, 'the device that stayed online');
    await expectStoreMatchesService(offline, chatId, 'the device that was offline');
  }
  // The changes did land: a store that ignored them would match neither the service nor these.
  const chat = offline.store.chat(group)!;
  expect([chat.title, chat.memberCount, chat.role]).toEqual(['Plans, renamed', 3, 'admin']);
  expect(offline.store.message(direct, four.id)).toBeUndefined();
  expect(offline.store.message(direct, two.id)?.replyTo?.preview).toBe('one, edited');
  expect(offline.store.chat(direct)!.unreadCount).toBe(2);
});
