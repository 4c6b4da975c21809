import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

type Handler = (message: unknown) => void;

/** Pub/sub between instances: JSON messages on prefixed channels, one subscriber connection for all. */
export class RedisBus {
  private readonly handlers = new Map<string, Handler>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {
    sub.on('message', (channel: string, text: string) => {
      const handler = this.handlers.get(channel);
      if (!handler) return;
      try {
        handler(JSON.parse(text));
      } catch (err) {
        logger.warn({ err, channel }, 'bad message on Redis channel');
      }
    });
  }

  static async open(pub: Redis, prefix: string, logger: Logger): Promise<RedisBus> {
    const sub = pub.duplicate();
    sub.on('error', (err) => logger.warn({ err: err.message }, 'Redis subscriber connection error'));
    return new RedisBus(pub, sub, prefix, logger);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async subscribe(channel: string, handler: Handler): Promise<void> {
    const name = this.key(channel);
    this.handlers.set(name, handler);
    await this.sub.subscribe(name);
  }

  publish(channel: string, message: unknown): void {
    this.pub.publish(this.key(channel), JSON.stringify(message)).catch((err: unknown) => {
      this.logger.warn({ err, channel }, 'Redis publish failed');
    });
  }

  /**
   * Calls `listener` each time the subscriber connection is ready again after a reconnect (its channels
   * resubscribed): messages published while it was away are lost, so state kept from them must be reloaded.
   */
  onSubscriberReady(listener: () => void): void {
    this.sub.on('ready', listener);
  }

  get client(): Redis {
    return this.pub;
  }

  async close(): Promise<void> {
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
