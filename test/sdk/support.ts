import { afterAll, expect } from 'vitest';
import { ChatClient, type ConnectionState, MemoryStorage } from '../../packages/client/src/index.js';
import { userInput } from '../support/factories.js';

/** A user signed up through the SDK, with storage of their own unless one is shared on purpose. */
export function signUp(baseUrl: string, storage = new MemoryStorage()) {
  return ChatClient.register(baseUrl, userInput(), { storage });
}

/** Resolves at the client's next move into `state` (or at once if it is there and `now` allows). */
export async function nextState(client: ChatClient, state: ConnectionState, { now = false } = {}) {
  if (!(now && client.state === state)) await client.when('state', (s) => s === state);
}

/** Clients made by a test file, closed after it. */
export function useClients() {
  const clients: ChatClient[] = [];
  afterAll(() => {
    for (const client of clients) client.close();
  });
  return {
    track(...made: ChatClient[]): void {
      clients.push(...made);
    },
    /** Two users signed up, connected and caught up. */
    async pair(baseUrl: string): Promise<[ChatClient, ChatClient]> {
      const pair: [ChatClient, ChatClient] = [await signUp(baseUrl), await signUp(baseUrl)];
      clients.push(...pair);
      await Promise.all(pair.map((client) => client.live()));
      return pair;
    },
  };
}

/** Every state a client passes through from now on, for checks that something never happened. */
export function recordStates(client: ChatClient): ConnectionState[] {
  const states: ConnectionState[] = [];
  client.on('state', (s) => states.push(s));
  return states;
}

/** The messages of a chat as the service holds them now, oldest first, read through the client's API. */
export async function historyOf(client: ChatClient, chatId: string) {
  const items = [];
  let before: string | null | undefined;
  do {
    const page = await client.api.history(chatId, { limit: 100, ...(before ? { before } : {}) });
    items.push(...page.items);
    before = page.nextCursor;
  } while (before);
  return items.reverse();
}

/** Fails with what differs when a device's store does not hold exactly what the service has. */
export async function expectStoreMatchesService(client: ChatClient, chatId: string, label: string) {
  expect(client.store.messages(chatId), label).toEqual(await historyOf(client, chatId));
}
