import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { HttpClient } from './http.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  name: string;
  avatar: string | null;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;

export function userInput(
  overrides: Partial<{ email: string; password: string; name: string; avatar: string | null }> = {},
) {
  counter += 1;
  return {
    email: `user${counter}-${randomUUID().slice(0, 8)}@example.test`,
    password: 'correct horse battery',
    name: `User ${counter}`,
    ...overrides,
  };
}

/** Registers a user over the real API and returns their credentials and tokens. */
export async function createUser(
  http: HttpClient,
  overrides: Parameters<typeof userInput>[0] = {},
): Promise<TestUser> {
  const input = userInput(overrides);
  const res = await http.post('/api/auth/register', input);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return {
    id: res.body.user.id,
    email: res.body.user.email,
    password: input.password,
    name: res.body.user.name,
    avatar: res.body.user.avatar,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
  };
}
