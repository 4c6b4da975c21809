/**
 * What each REST route accepts, as the server's own zod schemas define it (their input side: defaults
 * may be left out), so a body the types allow is a body the service validates the same way.
 */
import type { z } from 'zod';
import type { changePasswordSchema, loginSchema, registerSchema } from '../../../src/contract/auth-inputs.js';
import type { chatListQuerySchema } from '../../../src/contract/chat-inputs.js';
import type {
  createGroupSchema,
  peoplePageSchema,
  updateGroupSchema,
} from '../../../src/contract/group-inputs.js';
import type { mediaLinkQuerySchema } from '../../../src/contract/media-inputs.js';
import type { historyQuerySchema } from '../../../src/contract/message-inputs.js';
import type {
  chatNotificationsSchema,
  pushSubscriptionSchema,
} from '../../../src/contract/notification-inputs.js';
import type { syncQuerySchema } from '../../../src/contract/sync-inputs.js';
import type { searchUsersSchema, updateMeSchema } from '../../../src/contract/user-inputs.js';

export type RegisterInput = z.input<typeof registerSchema>;
export type LoginInput = z.input<typeof loginSchema>;
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;
export type ChatListQuery = z.input<typeof chatListQuerySchema>;
export type CreateGroupInput = Omit<z.input<typeof createGroupSchema>, 'type'>;
export type UpdateGroupInput = z.input<typeof updateGroupSchema>;
export type PeoplePageQuery = z.input<typeof peoplePageSchema>;
export type MediaLinkQuery = z.input<typeof mediaLinkQuerySchema>;
export type HistoryQuery = z.input<typeof historyQuerySchema>;
export type ChatNotificationsInput = z.input<typeof chatNotificationsSchema>;
export type PushSubscriptionInput = z.input<typeof pushSubscriptionSchema>;
export type SyncQuery = z.input<typeof syncQuerySchema>;
export type SearchUsersQuery = z.input<typeof searchUsersSchema>;
export type UpdateMeInput = z.input<typeof updateMeSchema>;
