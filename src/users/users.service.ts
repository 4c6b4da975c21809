import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { ProfileEvents } from './profile-events.js';
import { type PublicUser, toPublicUser, toUserView, type UserView } from './user.types.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly profileEvents: ProfileEvents,
  ) {}

  async getMe(userId: string): Promise<UserView> {
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('UNAUTHORIZED');
    return toUserView(user);
  }

  async getPublic(userId: string): Promise<PublicUser | undefined> {
    const user = await this.users.findById(userId);
    return user && toPublicUser(user);
  }

  async updateMe(userId: string, changes: { name?: string; avatar?: string | null }): Promise<UserView> {
    const user = await this.users.update(userId, { name: changes.name, avatarUrl: changes.avatar });
    if (!user) throw new AppError('UNAUTHORIZED');
    this.profileEvents.emitChanged(toPublicUser(user));
    return toUserView(user);
  }

  search(userId: string, q: string | undefined, limit: number): Promise<PublicUser[]> {
    return this.users.search(userId, q, limit);
  }
}
