/** A user as the API shows them to themselves. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  avatar: string | null;
  createdAt: string;
}

/** A user as others see them (chat peers, message senders, search results). */
export interface PublicUser {
  id: string;
  name: string;
  avatar: string | null;
}

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
