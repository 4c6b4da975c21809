/**
 * Compile-time proof that the documented answers (view-schemas.ts) are the types the server returns:
 * `npm run typecheck` fails when either side changes without the other.
 */
import type { z } from 'zod';
import type { SignedLink } from '../media/media-links.js';
import type { PresenceEvent, ReadReceipt } from './events.js';
import type { ChatNotificationsView, PushKeyView, PushSubscriptionView } from './notifications.js';
import type * as s from './view-schemas.js';
import type {
  AuthResult,
  BlockView,
  ChatChange,
  ChatView,
  CreatedGroupView,
  MediaView,
  MembersAddedView,
  MemberView,
  MessageView,
  OwnerChangedView,
  Page,
  PublicUser,
  ReaderView,
  SyncPage,
  UserView,
} from './views.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type Doc<S extends z.ZodType> = z.output<S>;

export type ViewSchemasMatchViews = [
  Holds<Same<Doc<typeof s.publicUserSchema>, PublicUser>>,
  Holds<Same<Doc<typeof s.userViewSchema>, UserView>>,
  Holds<Same<Doc<typeof s.authResultSchema>, AuthResult>>,
  Holds<Same<Doc<typeof s.messageViewSchema>, MessageView>>,
  Holds<Same<Doc<typeof s.mediaViewSchema>, MediaView>>,
  Holds<Same<Doc<typeof s.signedLinkSchema>, SignedLink>>,
  Holds<Same<Doc<typeof s.chatNotificationsViewSchema>, ChatNotificationsView>>,
  Holds<Same<Doc<typeof s.chatViewSchema>, ChatView>>,
  Holds<Same<Doc<typeof s.createdGroupViewSchema>, CreatedGroupView>>,
  Holds<Same<Doc<typeof s.memberViewSchema>, MemberView>>,
  Holds<Same<Doc<typeof s.membersAddedViewSchema>, MembersAddedView>>,
  Holds<Same<Doc<typeof s.ownerChangedViewSchema>, OwnerChangedView>>,
  Holds<Same<Doc<typeof s.blockViewSchema>, BlockView>>,
  Holds<Same<Doc<typeof s.chatPageSchema>, Page<ChatView>>>,
  Holds<Same<Doc<typeof s.messagePageSchema>, Page<MessageView>>>,
  Holds<Same<Doc<typeof s.memberPageSchema>, Page<MemberView>>>,
  Holds<Same<Doc<typeof s.readerPageSchema>, Page<ReaderView>>>,
  Holds<Same<Doc<typeof s.blockPageSchema>, Page<BlockView>>>,
  Holds<Same<Doc<typeof s.userSearchSchema>, { items: PublicUser[] }>>,
  Holds<Same<Doc<typeof s.readMarkSchema>, ReadReceipt & { unreadCount: number }>>,
  Holds<Same<Doc<typeof s.presenceSchema>, PresenceEvent>>,
  Holds<Same<Doc<typeof s.pushKeyViewSchema>, PushKeyView>>,
  Holds<Same<Doc<typeof s.pushSubscriptionViewSchema>, PushSubscriptionView>>,
  Holds<Same<Doc<typeof s.chatChangeSchema>, ChatChange>>,
  Holds<Same<Doc<typeof s.syncPageSchema>, SyncPage>>,
];
