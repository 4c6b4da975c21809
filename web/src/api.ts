// REST calls with the stored tokens; a 401 triggers one refresh (POST /api/auth/refresh) and a retry.

// The server's own view types (type-only: nothing of the server is bundled).
import type {
  ChatView,
  MediaType,
  MessageView,
  Page,
  PublicUser,
  UserView,
} from '../../src/contract/views.js';

export type { MediaType, Page, PublicUser };
export type Me = UserView;
export type Message = MessageView;
export type Chat = ChatView;

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: Me;
}

export interface Upload {
  id: string;
  url: string;
  mediaType: MediaType;
  contentType: string;
  size: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SESSION_KEY = 'live-chat.session';

let session: Session | null = load();
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(session: Session | null) => void>();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return session;
}

export function setSession(next: Session | null): void {
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else localStorage.removeItem(SESSION_KEY);
  for (const listener of listeners) listener(next);
}

export function onSessionChange(listener: (session: Session | null) => void): void {
  listeners.add(listener);
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'HTTP_ERROR';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { code?: string; message?: string };
    code = body.code ?? code;
    message = body.message ?? message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message);
}

/** Spends the refresh token for a new pair; false (and signed out) when the session is over. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session;
    if (!current) return false;
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
      if (response.status === 401) {
        setSession(null);
        return false;
      }
      if (!response.ok) return false;
      const next = (await response.json()) as Session;
      setSession({ ...next, user: { ...current.user, ...next.user } });
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  form?: FormData;
  auth?: boolean;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, form, auth = true } = options;
  const send = () => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && session) headers.authorization = `Bearer ${session.accessToken}`;
    return fetch(path, {
      method,
      headers,
      body: form ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
  };
  let response = await send();
  if (response.status === 401 && auth && session && (await refreshSession())) response = await send();
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export async function signIn(email: string, password: string): Promise<void> {
  setSession(
    await api<Session>('/api/auth/login', { method: 'POST', body: { email, password }, auth: false }),
  );
}

export async function signUp(email: string, password: string, name: string): Promise<void> {
  setSession(
    await api<Session>('/api/auth/register', {
      method: 'POST',
      body: { email, password, name },
      auth: false,
    }),
  );
}

export async function signOut(): Promise<void> {
  try {
    if (session) await api<void>('/api/auth/logout', { method: 'POST' });
  } finally {
    setSession(null);
  }
}
