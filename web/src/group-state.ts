// What a group's system message changes in this client's copy of the chat, live or from sync: its title
// and settings, this user's role, and whether this user is still a member. (Member counts come with the
// live events and the chat list.)
import type { Message } from './api';
import type { ChatState } from './chat-list';

export function applySystemMessage(chat: ChatState, message: Message, meId: string | undefined): void {
  const event = message.event;
  if (message.kind !== 'system' || !event) return;
  switch (event.type) {
    case 'created':
      chat.title ??= event.title;
      break;
    case 'updated':
      if (event.title !== undefined) chat.title = event.title;
      if (event.avatar !== undefined) chat.avatar = event.avatar;
      if (event.historyVisibility !== undefined) chat.historyVisibility = event.historyVisibility;
      break;
    case 'member_added':
      if (meId && event.userIds.includes(meId)) {
        chat.removed = undefined;
        chat.role ??= 'member';
      }
      break;
    case 'member_removed':
      if (event.userId === meId) {
        chat.removed = event.reason;
        chat.role = null;
      }
      break;
    case 'member_role_changed':
      if (event.userId === meId) chat.role = event.role;
      break;
  }
}

/** Admins and the owner manage a group (settings, adding, removing plain members). */
export function canManage(chat: ChatState): boolean {
  return !chat.removed && (chat.role === 'owner' || chat.role === 'admin');
}
