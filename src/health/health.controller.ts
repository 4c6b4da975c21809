import { Controller, Get, Inject } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { ApiInternal } from '../docs/api-doc.decorator.js';
import { pingRedis, type RedisClient } from '../redis/redis.js';
import { REDIS } from '../redis/redis.module.js';

const CHECK_TIMEOUT_MS = 2000;

@ApiInternal()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(REDIS) private readonly redis: RedisClient | null,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  alive() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers, and Redis when configured (on a cluster, every master). */
  @Get('ready')
  async ready() {
    const [database, redis] = await Promise.all([
      check(() => this.database.ping()),
      this.redis ? check(() => pingRedis(this.redis!)) : Promise.resolve('disabled' as const),
    ]);
    if (database !== 'ok' || redis === 'down') {
      throw new AppError('SERVICE_UNAVAILABLE', `Not ready: database ${database}, redis ${redis}`);
    }
    return { status: 'ok', database, redis };
  }
}

async function check(probe: () => Promise<void>): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
