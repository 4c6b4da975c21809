import type { ChatChange, MessageView, ReactionSummary } from './contract.js';

// The service cuts reply previews at this many characters (PostgreSQL's left(), so code points).
const PREVIEW_CHARS = 100;

export function previewOf(content: string): string {
  return [...content].slice(0, PREVIEW_CHARS).join('');
}

function reactionsAfter(
  reactions: ReactionSummary[],
  change: Extract<ChatChange, { type: 'reaction_updated' }>,
  meId: string | undefined,
): ReactionSummary[] {
  const held = reactions.find((r) => r.emoji === change.emoji);
  const me = change.userId === meId ? change.op === 'add' : (held?.me ?? false);
  if (change.count === 0) return reactions.filter((r) => r.emoji !== change.emoji);
  if (!held) return [...reactions, { emoji: change.emoji, count: change.count, me }];
  return reactions.map((r) => (r.emoji === change.emoji ? { ...r, count: change.count, me } : r));
}

/**
 * A message after one change, exactly as the service would show it now; null when it leaves this
 * device's history (deleted for me). The events carry absolute values (the text, the count after), so
 * applying one again, or on top of a newer copy, changes nothing.
 */
export function applyChange(
  message: MessageView,
  change: ChatChange,
  meId: string | undefined,
): MessageView | null {
  switch (change.type) {
    case 'message_edited':
      if (message.deletedAt) return message;
      return { ...message, content: change.content, editedAt: change.editedAt };
    case 'message_deleted':
      if (change.scope === 'me') return null;
      return {
        ...message,
        content: '',
        mediaUrl: null,
        mediaType: null,
        reactions: [],
        deletedAt: message.deletedAt ?? change.deletedAt,
      };
    case 'reaction_updated':
      if (message.deletedAt) return message;
      return { ...message, reactions: reactionsAfter(message.reactions, change, meId) };
  }
}

/** A reply's quote of its original, after the original changed (previews are never copies). */
export function replyAfter(reply: MessageView, original: MessageView): MessageView {
  if (!reply.replyTo) return reply;
  if (original.deletedAt) return { ...reply, replyTo: { ...reply.replyTo, preview: '', deleted: true } };
  return {
    ...reply,
    replyTo: { ...reply.replyTo, preview: previewOf(original.content), mediaType: original.mediaType },
  };
}
