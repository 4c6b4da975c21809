import { Module } from '@nestjs/common';
import { BlocksRepository } from './blocks.repository.js';

/** Who blocks whom, for the features that honour it (chats, typing). */
@Module({ providers: [BlocksRepository], exports: [BlocksRepository] })
export class BlocksDataModule {}
