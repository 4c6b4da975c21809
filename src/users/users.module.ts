import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ProfileEvents } from './profile-events.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';
import { UsersDataModule } from './users-data.module.js';

@Module({
  imports: [AuthModule, UsersDataModule],
  controllers: [UsersController],
  providers: [UsersService, ProfileEvents],
  exports: [UsersService, ProfileEvents],
})
export class UsersModule {}
