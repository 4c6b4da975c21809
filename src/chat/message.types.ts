import type { PublicUser } from '../users/user.types.js';

export const MEDIA_TYPES = ['VIDEO', 'AUDIO'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** The seed's `Message`, plus `seq` (per-chat order) and `clientMessageId` (the sender's retry key). */
export interface MessageView {
  id: string;
  chatId: string;
  content: string;
  mediaUrl: string | null;
  mediaType: MediaType | null;
  sender: PublicUser;
  createdAt: string;
  seq: number;
  clientMessageId: string | null;
}

/** A message as stored, before the sender's public profile is attached. */
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

export function toMessageView(message: StoredMessage, sender: PublicUser): MessageView {
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
  };
}
