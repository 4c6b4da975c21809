import type { MediaType, MessageView, PublicUser, ReplyPreview } from '../contract/views.js';

/** A message as the send path writes it, before the sender's public profile is attached. */
export interface StoredMessage {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  content: string;
  mediaUrl: string | null;
  mediaType: MediaType | null;
  /** Our upload that mediaUrl names, if it does. */
  mediaId: string | null;
  /** The message of the same chat this one answers. */
  replyToId: string | null;
  clientMessageId: string | null;
  createdAt: Date;
}

/**
 * A message to be written: everything but its seq, which the batch statement assigns, and, in a direct
 * chat, the other member (the statement hides the message from them if they block the sender).
 */
export type NewMessage = Omit<StoredMessage, 'seq'> & { receiverId: string | null };

export interface WrittenMessage extends StoredMessage {
  ord: number;
  /** True when the sender's clientMessageId was already stored: this is the original, not a new row. */
  duplicate: boolean;
  /** The sender's first message in the chat: from now on its other members may see the sender's presence. */
  firstWords: boolean;
  /** The chat's state_seq when the message was numbered: the version of the member list it goes to. */
  stateSeq: number;
  /** Stored hidden from the receiver of a direct message, who blocks the sender: not delivered to them. */
  hiddenFromReceiver: boolean;
}

/** The view of a message just written: nothing has changed it yet. */
export function newMessageView(
  message: StoredMessage,
  sender: PublicUser,
  replyTo: ReplyPreview | null,
): MessageView {
  return {
    id: message.id,
    chatId: message.chatId,
    content: message.content,
    mediaUrl: message.mediaUrl,
    mediaType: message.mediaType,
    sender: { id: sender.id, name: sender.name, avatar: sender.avatar },
    createdAt: message.createdAt.toISOString(),
    seq: message.seq,
    clientMessageId: message.clientMessageId,
    replyTo,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    kind: 'user',
    event: null,
  };
}
