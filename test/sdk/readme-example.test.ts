import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { ChatClient } from '../../packages/client/src/index.js';
import { useTestApp } from '../support/use-test-app.js';

const suite = useTestApp();

// The example of packages/client/README.md, line for line; only the URL, the emails and console.log differ.
async function example(url: string, [aliceEmail, bobEmail]: string[], log: (...args: unknown[]) => void) {
  const password = 'correct horse battery';
  const alice = await ChatClient.register(url, { email: aliceEmail!, password, name: 'Alice' });
  const bob = await ChatClient.register(url, { email: bobEmail!, password, name: 'Bob' });
  await Promise.all([alice.live(), bob.live()]);

  // A UI renders from the store and renders again on every change.
  bob.store.on('change', () => {
    for (const chat of bob.store.chats()) log(chat.peer?.name, chat.unreadCount, chat.lastMessage?.content);
  });

  // send() returns at once with a local message; the outbox retries it until the service acknowledges it.
  const hello = alice.send({ receiverId: bob.user.id }, 'Hi Bob!');
  const { chatId } = await alice.sent(hello);

  await bob.store.until((store) => store.chat(chatId)?.lastMessage?.content === 'Hi Bob!');
  const received = bob.store.chat(chatId)!.lastMessage!;
  await bob.markRead(chatId, received.id);
  await bob.react(received.id, '👍');
  bob.send({ chatId }, { content: 'Hi Alice!', replyToId: received.id });

  // A voice note: upload it (with progress), then send its URL.
  const data = await readFile('test/fixtures/media/voice.ogg');
  const note = await alice.upload(
    { data, filename: 'voice.ogg' },
    { onProgress: (sent, total) => log(`${Math.round((100 * sent) / total)}%`) },
  );
  alice.send({ chatId }, { mediaUrl: note.url });

  await Promise.all([alice, bob].map((c) => c.store.until((store) => store.messages(chatId).length === 3)));
  log(alice.store.messages(chatId).map((m) => [m.sender.name, m.content || m.mediaType, m.reactions]));
  await Promise.all([alice.logout(), bob.logout()]);
  return { alice, bob, chatId };
}

it('the README example works as written', async () => {
  const lines: unknown[][] = [];
  const emails = ['alice', 'bob'].map((name) => `${name}-${randomUUID()}@example.test`);
  const { alice, bob, chatId } = await example(suite.app.baseUrl, emails, (...args) => lines.push(args));

  const messages = alice.store.messages(chatId);
  expect(messages.map((m) => [m.sender.name, m.content, m.mediaType])).toEqual([
    ['Alice', 'Hi Bob!', null],
    ['Bob', 'Hi Alice!', null],
    ['Alice', '', 'AUDIO'],
  ]);
  expect(messages[0]!.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
  expect(messages[1]!.replyTo?.preview).toBe('Hi Bob!');
  // Bob read Alice's first message and answered it; her voice note came after.
  expect(bob.store.chat(chatId)?.unreadCount).toBe(1);
  expect(lines).toContainEqual(['100%']);
  expect(lines).toContainEqual(['Alice', 1, 'Hi Bob!']);
  expect([alice.state, bob.state]).toEqual(['offline', 'offline']);
});
