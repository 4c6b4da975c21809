import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { type RedisClient, subscriberOf } from './redis.js';

type Handler = (message: unknown) => void;

const PROBE_EVERY_MS = 5000;

/**
 * Pub/sub between instances: JSON messages on channels named like keys (`key`, `taggedKey`), one
 * subscriber connection for all (on a cluster, one per master holding a channel of ours).
 *
 * On a cluster every channel is sharded (SPUBLISH/SSUBSCRIBE): a message goes to the one master that owns
 * its channel's slot, where classic PUBLISH would copy it to every node of the cluster; so pub/sub traffic
 * does not grow with the number of nodes. Messages of one channel keep their order, as on a single Redis.
 *
 * ioredis resubscribes sharded channels by itself when masters change, but a failover can leave a channel
 * unsubscribed without any event saying so. So on a cluster each channel carries a probe of ours from
 * time to time: a probe that does not come back means the channel is subscribed again, and the
 * `onSubscriberReady` listeners reload what they kept from it.
 */
export class RedisBus {
  private readonly handlers = new Map<string, Handler>();
  private readonly probe = { token: randomUUID(), pending: new Set<string>() };
  private readonly readyListeners: (() => void)[] = [];
  private probeTimer?: NodeJS.Timeout;
  private checking = false;

  private constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {
    const onMessage = (channel: string, text: string) => {
      const handler = this.handlers.get(channel);
      if (!handler) return;
      try {
        const message = JSON.parse(text);
        if (message?.probe !== undefined) {
          if (message.probe === this.probe.token) this.probe.pending.delete(channel);
          return;
        }
        handler(message);
      } catch (err) {
        logger.warn({ err, channel }, 'bad message on Redis channel');
      }
    };
    sub.on('message', onMessage);
    sub.on('smessage', onMessage);
    if (this.cluster) this.probeTimer = setInterval(() => void this.checkChannels(), PROBE_EVERY_MS).unref();
  }

  static async open(pub: RedisClient, prefix: string, logger: Logger): Promise<RedisBus> {
    const sub = subscriberOf(pub, logger, 'subscriber');
    return new RedisBus(pub, sub, prefix, logger);
  }

  get cluster(): boolean {
    return this.pub instanceof Cluster;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * A key in the hash slot of `tag`: on a cluster, every key of one tag lives on one master, so they can
   * be read and written together (MULTI, several keys in one command).
   */
  taggedKey(tag: string, ...parts: string[]): string {
    return [`{${this.prefix}:${tag}}`, ...parts].join(':');
  }

  /** `channel`: a name from `key` or `taggedKey`. */
  async subscribe(channel: string, handler: Handler): Promise<void> {
    this.handlers.set(channel, handler);
    if (this.cluster) await this.sub.ssubscribe(channel);
    else await this.sub.subscribe(channel);
  }

  publish(channel: string, message: unknown): void {
    const text = JSON.stringify(message);
    const sent = this.cluster ? this.pub.spublish(channel, text) : this.pub.publish(channel, text);
    sent.catch((err: unknown) => {
      this.logger.warn({ err, channel }, 'Redis publish failed');
    });
  }

  /**
   * Calls `listener` each time the subscriber connection is ready again after a reconnect (its channels
   * resubscribed): messages published while it was away are lost, so state kept from them must be reloaded.
   */
  onSubscriberReady(listener: () => void): void {
    this.sub.on('ready', listener);
    this.readyListeners.push(listener);
  }

  private async checkChannels(): Promise<void> {
    // A resubscription waits while the cluster is down: one check at a time.
    if (this.checking) return;
    this.checking = true;
    try {
      await this.probeChannels();
    } finally {
      this.checking = false;
    }
  }

  private async probeChannels(): Promise<void> {
    const lost = [...this.probe.pending];
    this.probe.pending.clear();
    if (lost.length > 0) {
      this.logger.warn({ channels: lost }, 'Redis channels lost their subscription: subscribing again');
      try {
        await Promise.all(lost.map((channel) => (this.sub as Cluster).ssubscribe(channel)));
        for (const listener of this.readyListeners) listener();
      } catch (err) {
        this.logger.warn({ err }, 'Redis subscribe failed');
        for (const channel of lost) this.probe.pending.add(channel);
        return;
      }
    }
    for (const channel of this.handlers.keys()) {
      this.probe.pending.add(channel);
      this.publish(channel, { probe: this.probe.token });
    }
  }

  get client(): RedisClient {
    return this.pub;
  }

  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
