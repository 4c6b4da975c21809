import { expect } from 'vitest';
import type { ServerToClientEvents } from '../../src/contract/events.js';
import type {
  ChatView,
  CreatedGroupView,
  HistoryVisibility,
  MembersAddedView,
  MemberView,
  MessageView,
  SyncPage,
} from '../../src/contract/views.js';
import { ChatState } from './chat-state.js';
import { createUser, type TestUser } from './factories.js';
import type { HttpClient, HttpResult } from './http.js';
import type { ClientSocket } from './socket.js';

// How long to wait for an event before the test fails instead of hanging: a safety net, not a speed goal.
const WAIT_MS = 10_000;

export type EventPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * The first `event` the socket receives from now on that `match`es. Call it before the action that
 * causes the event (the listener is in place at once), await it after.
 */
export function next<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  match: (payload: EventPayload<E>) => boolean = () => true,
): Promise<EventPayload<E>> {
  const promise = new Promise<EventPayload<E>>((resolve, reject) => {
    const listener = (payload: EventPayload<E>) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      // biome-ignore lint/suspicious/noExplicitAny: generic over the typed event map
      (socket.off as any)(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      // biome-ignore lint/suspicious/noExplicitAny: generic over the typed event map
      (socket.off as any)(event, listener);
      reject(new Error(`no ${String(event)} came that matched`));
    }, WAIT_MS);
    // biome-ignore lint/suspicious/noExplicitAny: generic over the typed event map
    (socket.on as any)(event, listener);
  });
  // A test that fails before awaiting it should report that failure, not this one's timeout as well.
  promise.catch(() => {});
  return promise;
}

/** What the group helpers need of a suite: its HTTP client. */
export interface WithHttp {
  http: HttpClient;
}

/** People signed up at once; typed so that the first eight destructure without checks. */
export type Users = [
  TestUser,
  TestUser,
  TestUser,
  TestUser,
  TestUser,
  TestUser,
  TestUser,
  TestUser,
  ...TestUser[],
];

export function createUsers(suite: WithHttp, count: number): Promise<Users> {
  return Promise.all(Array.from({ length: count }, () => createUser(suite.http))) as Promise<Users>;
}

let groupCounter = 0;

/** Creates a group over the real API (201 insisted on): `owner` is its creator and owner. */
export async function createGroup(
  suite: WithHttp,
  owner: TestUser,
  members: TestUser[] = [],
  overrides: { title?: string; avatar?: string | null } = {},
): Promise<CreatedGroupView> {
  groupCounter += 1;
  const res = await suite.http.post<CreatedGroupView>(
    '/api/chats',
    { type: 'GROUP', title: `Group ${groupCounter}`, memberIds: members.map((m) => m.id), ...overrides },
    owner.accessToken,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** `POST /api/chats/:chatId/members`, any answer. */
export function addMembers(
  suite: WithHttp,
  actor: TestUser,
  chatId: string,
  userIds: string[],
): Promise<HttpResult<MembersAddedView & { code?: string }>> {
  return suite.http.post(`/api/chats/${chatId}/members`, { userIds }, actor.accessToken);
}

/** Adds people and insists they were all added. */
export async function addMembersOk(
  suite: WithHttp,
  actor: TestUser,
  chatId: string,
  users: TestUser[],
): Promise<MembersAddedView> {
  const res = await addMembers(
    suite,
    actor,
    chatId,
    users.map((u) => u.id),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.added.sort()).toEqual(users.map((u) => u.id).sort());
  return res.body;
}

/** `DELETE /api/chats/:chatId/members/:userId`, any answer. */
export function removeMember(suite: WithHttp, actor: TestUser, chatId: string, userId: string) {
  return suite.http.request('DELETE', `/api/chats/${chatId}/members/${userId}`, { token: actor.accessToken });
}

export function leaveGroup(suite: WithHttp, user: TestUser, chatId: string) {
  return suite.http.post(`/api/chats/${chatId}/leave`, undefined, user.accessToken);
}

export function setRole(
  suite: WithHttp,
  actor: TestUser,
  chatId: string,
  userId: string,
  role: 'admin' | 'member' | string,
) {
  return suite.http.patch<MemberView & { code?: string }>(
    `/api/chats/${chatId}/members/${userId}`,
    { role },
    actor.accessToken,
  );
}

export function updateGroup(
  suite: WithHttp,
  actor: TestUser,
  chatId: string,
  body: { title?: string; avatar?: string | null; historyVisibility?: HistoryVisibility | string },
) {
  return suite.http.patch<ChatView & { code?: string }>(`/api/chats/${chatId}`, body, actor.accessToken);
}

/** The chat as `user` sees it (GET /api/chats/:chatId), insisting on 200. */
export async function chatOf(suite: WithHttp, user: TestUser, chatId: string): Promise<ChatView> {
  const res = await suite.http.get<ChatView>(`/api/chats/${chatId}`, user.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The caller's chat list (first page of 100). */
export async function chatList(suite: WithHttp, user: TestUser): Promise<ChatView[]> {
  const res = await suite.http.get<{ items: ChatView[] }>('/api/chats?limit=100', user.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

/** A chat's whole history as `user` sees it, newest first (every page). */
export async function historyOf(suite: WithHttp, user: TestUser, chatId: string): Promise<MessageView[]> {
  const items: MessageView[] = [];
  let cursor: string | null = null;
  do {
    const res: HttpResult<{ items: MessageView[]; nextCursor: string | null }> = await suite.http.get(
      `/api/chats/${chatId}/messages?limit=100${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`,
      user.accessToken,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

/** Every member of a group, following nextCursor with pages of `limit`. */
export async function membersOf(
  suite: WithHttp,
  user: TestUser,
  chatId: string,
  limit = 100,
): Promise<{ members: MemberView[]; pages: number }> {
  const members: MemberView[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: HttpResult<{ items: MemberView[]; nextCursor: string | null }> = await suite.http.get(
      `/api/chats/${chatId}/members?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      user.accessToken,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    members.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { members, pages };
}

/** Follows hasMore to the end of one sync round, with pages of `limit`. */
export async function syncAll(
  suite: WithHttp,
  user: TestUser,
  since?: string,
  limit = 500,
): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  let token = since;
  for (;;) {
    const res = await suite.http.get<SyncPage>(
      `/api/sync?limit=${limit}${token ? `&since=${encodeURIComponent(token)}` : ''}`,
      user.accessToken,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    token = res.body.token;
    if (!res.body.hasMore) return pages;
  }
}

/** The token to sync from next: the last page's. */
export const lastToken = (pages: SyncPage[]): string => pages.at(-1)!.token;

/**
 * Keeps a device's state from what its socket hears, as a client does: messages (system ones arrive in
 * the membership events), and the changes to them.
 */
export function follow(socket: ClientSocket, state: ChatState): void {
  socket.on('chat:message_receive', (m) => state.put(m));
  socket.on('chat:updated', (e) => state.put(e.message));
  socket.on('chat:member_added', (e) => state.put(e.message));
  socket.on('chat:member_removed', (e) => state.put(e.message));
  socket.on('chat:member_role_changed', (e) => state.put(e.message));
  socket.on('chat:message_edited', (e) => state.apply({ type: 'message_edited', ...e }));
  socket.on('chat:message_deleted', (e) => state.apply({ type: 'message_deleted', ...e }));
  socket.on('chat:reaction_updated', (e) => state.apply({ type: 'reaction_updated', ...e }));
}

/**
 * Records every event a socket receives, in order, by name: to prove what came after what (a removed
 * member's last event), and that nothing else came.
 */
export class EventLog {
  readonly events: { name: string; payload: { chatId?: string; seq?: number } & Record<string, unknown> }[] =
    [];

  constructor(socket: ClientSocket) {
    socket.onAny((name: string, payload: unknown) => {
      this.events.push({ name, payload: (payload ?? {}) as EventLog['events'][number]['payload'] });
    });
  }

  /** The events that concern one chat. */
  of(chatId: string) {
    return this.events.filter((e) => e.payload.chatId === chatId);
  }
}

export { ChatState };
