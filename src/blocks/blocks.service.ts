import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { cursorParts, decodeCursor, encodeCursor, pageOfRows } from '../common/validation/keyset-cursor.js';
import type { BlockView, Page } from '../contract/views.js';
import { type BlockRow, BlocksRepository } from './blocks.repository.js';

/** Most people one user may block. */
export const MAX_BLOCKS = 1000;

/**
 * Blocking. While A blocks B, B's direct messages to A are stored hidden from A (see INSERT_BATCH_SQL),
 * B's changes in their direct chat are not A's to hear of, neither sees the other's presence or typing,
 * and B cannot add A to a group. Groups they share go on as usual.
 */
@Injectable()
export class BlocksService {
  constructor(private readonly blocks: BlocksRepository) {}

  async block(userId: string, blockedId: string): Promise<BlockView> {
    if (blockedId === userId) {
      throw new AppError('VALIDATION_FAILED', 'userId: you cannot block yourself', [
        { path: 'userId', message: 'you cannot block yourself' },
      ]);
    }
    const result = await this.blocks.block(userId, blockedId, MAX_BLOCKS);
    if (result === 'unknown') throw new AppError('USER_NOT_FOUND');
    if (result === 'limit') throw new AppError('BLOCK_LIMIT', `You may block at most ${MAX_BLOCKS} people`);
    return toView(result);
  }

  unblock(userId: string, blockedId: string): Promise<void> {
    return this.blocks.unblock(userId, blockedId);
  }

  async list(userId: string, limit: number, cursor?: string): Promise<Page<BlockView>> {
    const before = cursor
      ? decodeCursor<[string, string]>(cursor, [cursorParts.time, cursorParts.uuid])
      : undefined;
    const rows = await this.blocks.list(userId, limit + 1, before);
    const page = pageOfRows(rows, limit, (last) => encodeCursor(last.cursorTime, last.id));
    return { items: page.rows.map(toView), nextCursor: page.nextCursor };
  }
}

function toView(row: BlockRow): BlockView {
  return {
    user: { id: row.id, name: row.name, avatar: row.avatar },
    blockedAt: new Date(row.blockedAt).toISOString(),
  };
}
