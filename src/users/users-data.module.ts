import { Module } from '@nestjs/common';
import { UsersRepository } from './users.repository.js';

/** The users table on its own, so that auth can use it without depending on the users API. */
@Module({ providers: [UsersRepository], exports: [UsersRepository] })
export class UsersDataModule {}
