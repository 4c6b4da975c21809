// The signed-in user's ChatClient (the SDK), kept across reloads by its tokens in localStorage: the one
// place the rest of the client gets the session, the REST routes, the store and the outbox from.
import { type AuthResult, ChatClient, ChatError, type MessageView, type PublicUser } from '@live-chat/client';
import { newId } from './urls';

export type { MessageView as Message, PublicUser };
export { ChatError };

const SESSION_KEY = 'live-chat.session';

// Outside a secure context (plain http on a LAN address) browsers have no crypto.randomUUID, which the
// SDK's outbox takes its client message ids from.
if (typeof crypto.randomUUID !== 'function') {
  Object.defineProperty(crypto, 'randomUUID', { value: newId as Crypto['randomUUID'] });
}

let current: ChatClient | null = null;
const listeners = new Set<(client: ChatClient | null) => void>();

/** The signed-in client; only called by code that runs while signed in. */
export function sdk(): ChatClient {
  if (!current) throw new Error('Not signed in');
  return current;
}

export function signedIn(): ChatClient | null {
  return current;
}

export function meId(): string | undefined {
  return current?.user.id;
}

export function onClientChange(listener: (client: ChatClient | null) => void): void {
  listeners.add(listener);
}

function saved(): AuthResult | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as AuthResult) : null;
  } catch {
    return null;
  }
}

function use(client: ChatClient | null): void {
  current?.close();
  current = client;
  if (client) {
    const keep = (tokens: { accessToken: string; refreshToken: string }) =>
      localStorage.setItem(SESSION_KEY, JSON.stringify({ ...tokens, user: client.user }));
    keep(client.session);
    client.on('tokens', keep);
    client.on('ended', () => {
      if (current === client) use(null);
    });
  } else localStorage.removeItem(SESSION_KEY);
  for (const listener of listeners) listener(client);
}

export async function resumeSaved(): Promise<void> {
  const auth = saved();
  if (!auth) return use(null);
  use(await ChatClient.resume(location.origin, auth).catch(() => null));
}

export async function signIn(email: string, password: string): Promise<void> {
  use(await ChatClient.login(location.origin, { email, password }));
}

export async function signUp(email: string, password: string, name: string): Promise<void> {
  use(await ChatClient.register(location.origin, { email, password, name }));
}

export async function signOut(): Promise<void> {
  const client = current;
  try {
    await client?.logout();
  } finally {
    if (current === client) use(null);
  }
}
