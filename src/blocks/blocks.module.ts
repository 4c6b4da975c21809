import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { BlocksController } from './blocks.controller.js';
import { BlocksService } from './blocks.service.js';
import { BlocksDataModule } from './blocks-data.module.js';

@Module({
  imports: [AuthModule, BlocksDataModule],
  controllers: [BlocksController],
  providers: [BlocksService],
})
export class BlocksModule {}
