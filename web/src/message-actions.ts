// Refusals of edits, deletes, reactions and sends as short, friendly notices.
import { ChatError } from './sdk';

const FRIENDLY: Record<string, string> = {
  EDIT_WINDOW_EXPIRED:
    'Too late: a message can be edited or deleted for everyone only for a while after sending.',
  REACTION_LIMIT: 'No more reactions fit on that message (at most 3 from each person).',
  MESSAGE_DELETED: 'That message was deleted.',
  MESSAGE_NOT_FOUND: 'That message is no longer there.',
  FORBIDDEN: 'Only the person who sent a message can change it for everyone.',
  RATE_LIMITED: 'That was a lot at once. Wait a moment and try again.',
  BLOCKED: 'You cannot message this person.',
};

/** A short sentence for a person, for a refusal (by its code), or the service's own text. */
export function friendlyError(error: unknown): string {
  const code = error instanceof ChatError ? error.code : (error as { code?: string } | null)?.code;
  if (code && FRIENDLY[code]) return FRIENDLY[code];
  return error instanceof Error ? error.message : String((error as { message?: string })?.message ?? error);
}
