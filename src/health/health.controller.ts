import { Controller, Get, Inject } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppError } from '../common/errors/app-error.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { ApiInternal } from '../docs/api-doc.decorator.js';
import { REDIS } from '../redis/redis.module.js';

const CHECK_TIMEOUT_MS = 2000;

@ApiInternal()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  alive() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers, and Redis when configured. */
  @Get('ready')
  async ready() {
    const [database, redis] = await Promise.all([
      check(() => this.database.ping()),
      this.redis ? check(async () => void (await this.redis!.ping())) : Promise.resolve('disabled' as const),
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
