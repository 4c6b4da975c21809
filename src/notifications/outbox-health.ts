import { Controller, Get, Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock } from '../common/time/clock.js';
import { ApiInternal } from '../docs/api-doc.decorator.js';
import { Metrics } from '../metrics/metrics.service.js';
import { type Channel, OutboxRepository } from './outbox.repository.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';

const CHANNELS: Channel[] = ['webhook', 'push'];

export interface OutboxHealth {
  /** Seconds since this instance last read its share of the log to the end. */
  lagSeconds: number;
  channels: Record<Channel, { pending: number; dead: number; oldestPendingSeconds: number }>;
}

/** The outbox's state: for `GET /api/health/notifications` and the Prometheus gauges, read when asked. */
@Injectable()
export class OutboxHealthReader implements OnModuleInit {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: OutboxDispatcher,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    const reader = this;
    const perChannel = (name: string, help: string, pick: (c: OutboxHealth['channels'][Channel]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['channel'],
        registers,
        async collect() {
          const { channels } = await reader.read();
          for (const channel of CHANNELS) this.set({ channel }, pick(channels[channel]));
        },
      });
    perChannel('chat_outbox_pending', 'Notifications waiting for a retry, by channel', (c) => c.pending);
    perChannel('chat_outbox_dead', 'Dead letters kept (all attempts failed), by channel', (c) => c.dead);
    perChannel(
      'chat_outbox_oldest_pending_seconds',
      'Age of the oldest notification waiting for a retry, by channel',
      (c) => c.oldestPendingSeconds,
    );
    new Gauge({
      name: 'chat_outbox_lag_seconds',
      help: "Seconds since this instance last read its share of the chats' log to the end",
      registers,
      collect() {
        this.set(reader.lagSeconds());
      },
    });
  }

  async read(): Promise<OutboxHealth> {
    const stats = await this.outbox.stats(new Date(this.clock.now()));
    const channels = Object.fromEntries(
      CHANNELS.map((channel) => {
        const row = stats.find((s) => s.channel === channel);
        return [
          channel,
          {
            pending: row?.pending ?? 0,
            dead: row?.dead ?? 0,
            oldestPendingSeconds: row?.oldestPendingSeconds ?? 0,
          },
        ];
      }),
    ) as OutboxHealth['channels'];
    return { lagSeconds: this.lagSeconds(), channels };
  }

  private lagSeconds(): number {
    return Math.max(0, (Date.now() - this.dispatcher.caughtUpAt) / 1000);
  }
}

@ApiInternal()
@Controller('health/notifications')
export class OutboxHealthController {
  constructor(private readonly health: OutboxHealthReader) {}

  /** The notification outbox: lag, and per channel what waits for a retry and what was given up. */
  @Get()
  read(): Promise<OutboxHealth> {
    return this.health.read();
  }
}
