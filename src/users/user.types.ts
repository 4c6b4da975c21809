import type { PublicUser, UserView } from '../contract/views.js';

export type { PublicUser, UserView };

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  name: string;
  avatarUrl: string | null;
  createdAt: Date;
}

export function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    avatar: u.avatarUrl,
    createdAt: u.createdAt.toISOString(),
  };
}

export function toPublicUser(u: Pick<UserRecord, 'id' | 'name' | 'avatarUrl'>): PublicUser {
  return { id: u.id, name: u.name, avatar: u.avatarUrl };
}
