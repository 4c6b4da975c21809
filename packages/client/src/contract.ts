/**
 * The server's wire contract, re-exported from the one folder the server itself is typed by, so the SDK
 * can never drift from what the service sends and accepts. Types only: nothing of the server is bundled.
 */
export type { ErrorCode } from '../../../src/common/errors/error-catalog.js';
export type {
  AckResult,
  ClientToServerEvents,
  DeliveryReceipt,
  MessageDeletePayload,
  MessageEditPayload,
  MessageSendPayload,
  PresenceEvent,
  ReactionPayload,
  ReadReceipt,
  ReceiptPayload,
  ServerToClientEvents,
  TypingEvent,
  TypingPayload,
  WsError,
} from '../../../src/contract/events.js';
export type {
  ChatNotificationsView,
  PushKeyView,
  PushSubscriptionView,
} from '../../../src/contract/notifications.js';
export type {
  AuthResult,
  BlockView,
  ChatChange,
  ChatRole,
  ChatUpdatedEvent,
  ChatView,
  CreatedGroupView,
  HistoryVisibility,
  MediaType,
  MediaView,
  MemberAddedEvent,
  MemberRemovedEvent,
  MemberRoleChangedEvent,
  MembersAddedView,
  MemberView,
  MessageDeletedEvent,
  MessageEditedEvent,
  MessageView,
  OwnerChangedView,
  Page,
  PublicUser,
  ReactionSummary,
  ReactionUpdatedEvent,
  ReaderView,
  SyncPage,
  UserView,
} from '../../../src/contract/views.js';
