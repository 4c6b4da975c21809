// Who may manage a group, from this user's role in it and whether they are still a member.
import type { ChatState } from './chat-state';

/** Admins and the owner manage a group (settings, adding, removing plain members). */
export function canManage(chat: ChatState): boolean {
  return !chat.removed && (chat.role === 'owner' || chat.role === 'admin');
}
