import { afterAll, beforeAll } from 'vitest';
import type { TestUser } from './factories.js';
import { HttpClient } from './http.js';
import { type ClientSocket, type ConnectOptions, closeAll, connect } from './socket.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export interface TestSuite {
  app: TestApp;
  http: HttpClient;
  /** Connects a socket of the user (their access token unless another is given), closed after the suite. */
  online(
    user: TestUser,
    options?: Omit<ConnectOptions, 'token'> & { token?: string; baseUrl?: string },
  ): Promise<ClientSocket>;
  /** Closes a socket made elsewhere after the suite. */
  track(socket: ClientSocket): ClientSocket;
}

/** One real app for a test file: started before its tests, closed with every socket after them. */
export function useTestApp(options: TestAppOptions = {}): TestSuite {
  const open: ClientSocket[] = [];
  const suite = {
    async online(user, { token = user.accessToken, baseUrl = suite.app.baseUrl, ...rest } = {}) {
      return suite.track(await connect(baseUrl, { ...rest, token }));
    },
    track(socket) {
      open.push(socket);
      return socket;
    },
  } as TestSuite;
  beforeAll(async () => {
    suite.app = await startTestApp(options);
    suite.http = new HttpClient(suite.app.baseUrl);
  });
  afterAll(async () => {
    closeAll(...open);
    await suite.app?.close();
  });
  return suite;
}
