import type {
  AuthResult,
  BlockView,
  ChatNotificationsView,
  ChatRole,
  ChatView,
  CreatedGroupView,
  MembersAddedView,
  MemberView,
  MessageView,
  OwnerChangedView,
  Page,
  PresenceEvent,
  PublicUser,
  PushKeyView,
  PushSubscriptionView,
  ReaderView,
  ReadReceipt,
  SyncPage,
  UserView,
} from './contract.js';
import type {
  ChangePasswordInput,
  ChatListQuery,
  ChatNotificationsInput,
  CreateGroupInput,
  HistoryQuery,
  PeoplePageQuery,
  PushSubscriptionInput,
  SearchUsersQuery,
  SyncQuery,
  UpdateGroupInput,
  UpdateMeInput,
} from './inputs.js';
import { request } from './request.js';
import type { Session } from './session.js';

const id = encodeURIComponent;

/** Every authenticated REST route of the service, one typed method each, in the README's order. */
export class Api {
  constructor(private readonly session: Session) {}

  // Account
  me = () => this.session.call<UserView>('GET', '/api/users/me');
  updateMe = (body: UpdateMeInput) => this.session.call<UserView>('PATCH', '/api/users/me', { body });
  /** The service ends the old session and starts a new one: the client carries on in the new one. */
  changePassword = async (body: ChangePasswordInput) => {
    const pair = await this.session.renew((token) =>
      request<AuthResult>(this.session.baseUrl, 'POST', '/api/auth/password', { body, token }),
    );
    return pair.user;
  };
  searchUsers = (query: SearchUsersQuery) =>
    this.session.call<{ items: PublicUser[] }>('GET', '/api/users', { query });
  presence = (userId: string) => this.session.call<PresenceEvent>('GET', `/api/users/${id(userId)}/presence`);

  // Chats
  chats = (query: ChatListQuery = {}) => this.session.call<Page<ChatView>>('GET', '/api/chats', { query });
  chat = (chatId: string) => this.session.call<ChatView>('GET', `/api/chats/${id(chatId)}`);
  directChat = (userId: string) =>
    this.session.call<ChatView>('POST', '/api/chats/direct', { body: { userId } });
  markRead = (chatId: string, messageId: string) =>
    this.session.call<ReadReceipt & { unreadCount: number }>('POST', `/api/chats/${id(chatId)}/read`, {
      body: { messageId },
    });
  setNotifications = (chatId: string, body: ChatNotificationsInput) =>
    this.session.call<ChatNotificationsView>('PUT', `/api/chats/${id(chatId)}/notifications`, { body });

  // Messages
  history = (chatId: string, query: HistoryQuery = {}) =>
    this.session.call<Page<MessageView>>('GET', `/api/chats/${id(chatId)}/messages`, { query });
  editMessage = (messageId: string, content: string) =>
    this.session.call<MessageView>('PATCH', `/api/messages/${id(messageId)}`, { body: { content } });
  deleteMessage = (messageId: string, scope: 'everyone' | 'me') =>
    this.session.call<MessageView>('DELETE', `/api/messages/${id(messageId)}`, { query: { scope } });
  addReaction = (messageId: string, emoji: string) =>
    this.session.call<MessageView>('PUT', `/api/messages/${id(messageId)}/reactions/${id(emoji)}`);
  removeReaction = (messageId: string, emoji: string) =>
    this.session.call<MessageView>('DELETE', `/api/messages/${id(messageId)}/reactions/${id(emoji)}`);
  sync = (query: SyncQuery = {}) => this.session.call<SyncPage>('GET', '/api/sync', { query });

  // Groups
  createGroup = (body: CreateGroupInput) =>
    this.session.call<CreatedGroupView>('POST', '/api/chats', { body: { type: 'GROUP', ...body } });
  updateGroup = (chatId: string, body: UpdateGroupInput) =>
    this.session.call<ChatView>('PATCH', `/api/chats/${id(chatId)}`, { body });
  members = (chatId: string, query: PeoplePageQuery = {}) =>
    this.session.call<Page<MemberView>>('GET', `/api/chats/${id(chatId)}/members`, { query });
  addMembers = (chatId: string, userIds: string[]) =>
    this.session.call<MembersAddedView>('POST', `/api/chats/${id(chatId)}/members`, { body: { userIds } });
  removeMember = (chatId: string, userId: string) =>
    this.session.call<void>('DELETE', `/api/chats/${id(chatId)}/members/${id(userId)}`);
  setRole = (chatId: string, userId: string, role: Exclude<ChatRole, 'owner'>) =>
    this.session.call<MemberView>('PATCH', `/api/chats/${id(chatId)}/members/${id(userId)}`, {
      body: { role },
    });
  leave = (chatId: string) => this.session.call<void>('POST', `/api/chats/${id(chatId)}/leave`);
  transferOwner = (chatId: string, userId: string) =>
    this.session.call<OwnerChangedView>('POST', `/api/chats/${id(chatId)}/owner`, { body: { userId } });
  readers = (chatId: string, messageId: string, query: PeoplePageQuery = {}) =>
    this.session.call<Page<ReaderView>>('GET', `/api/chats/${id(chatId)}/messages/${id(messageId)}/reads`, {
      query,
    });

  // Blocking
  blocks = (query: PeoplePageQuery = {}) =>
    this.session.call<Page<BlockView>>('GET', '/api/users/me/blocks', { query });
  block = (userId: string) => this.session.call<BlockView>('PUT', `/api/users/me/blocks/${id(userId)}`);
  unblock = (userId: string) => this.session.call<void>('DELETE', `/api/users/me/blocks/${id(userId)}`);

  // Media (uploads: see upload.ts)
  mediaLink = (mediaId: string) =>
    this.session.call<{ url: string; expiresAt: string }>('GET', `/api/media/${id(mediaId)}/link`);

  // Web Push
  pushKey = () => this.session.call<PushKeyView>('GET', '/api/push/key');
  subscribePush = (body: PushSubscriptionInput) =>
    this.session.call<PushSubscriptionView>('POST', '/api/push/subscriptions', { body });
  unsubscribePush = (endpoint: string) =>
    this.session.call<void>('DELETE', '/api/push/subscriptions', { body: { endpoint } });

  // Health (no token needed, sent anyway)
  health = () => this.session.call<{ status: string }>('GET', '/api/health');
  ready = () => this.session.call<{ status: string }>('GET', '/api/health/ready');
}
