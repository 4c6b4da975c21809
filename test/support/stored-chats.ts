import { randomUUID } from 'node:crypto';
import { directKey } from '../../src/chats/chat-cache.js';
import { ChatsRepository } from '../../src/chats/chats.repository.js';
import type { DatabaseHandle } from '../../src/database/database.js';
import type { NewMessage } from '../../src/messages/message.types.js';
import { UsersRepository } from '../../src/users/users.repository.js';

/** Factories for tests of the repositories: rows written straight through them, no server involved. */

/** A user, stored. */
export async function storedUser(handle: DatabaseHandle): Promise<string> {
  const id = randomUUID();
  await new UsersRepository(handle).insert({
    id,
    email: `${id}@example.test`,
    passwordHash: 'x',
    name: 'n',
    avatarUrl: null,
  });
  return id;
}

/** The direct chat of two users, stored; a new user for each one not given. */
export async function storedPair(
  handle: DatabaseHandle,
  a?: string,
): Promise<{ a: string; b: string; chatId: string }> {
  const first = a ?? (await storedUser(handle));
  const second = await storedUser(handle);
  const chat = await new ChatsRepository(handle).getOrCreateDirect(randomUUID(), directKey(first, second), [
    first,
    second,
  ]);
  return { a: first, b: second, chatId: chat.id };
}

/** A text message to write, as the writer gets it. */
export function newMessage(
  chatId: string,
  senderId: string,
  content: string,
  clientMessageId: string | null = null,
): NewMessage {
  return {
    id: randomUUID(),
    chatId,
    senderId,
    content,
    mediaUrl: null,
    mediaType: null,
    mediaId: null,
    replyToId: null,
    receiverId: null,
    clientMessageId,
    createdAt: new Date(),
  };
}
