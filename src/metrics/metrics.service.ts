import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process: the defaults (event-loop lag, memory, CPU) plus the chat path. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly connectedSockets = new Gauge({
    name: 'chat_connected_sockets',
    help: 'Sockets connected to this process',
    registers: [this.registry],
  });

  readonly messagesStored = new Counter({
    name: 'chat_messages_stored_total',
    help: 'Messages committed to the database',
    registers: [this.registry],
  });

  readonly changesStored = new Counter({
    name: 'chat_changes_stored_total',
    help: 'Edits, deletes and reaction changes committed to the database',
    registers: [this.registry],
  });

  readonly messagesDelivered = new Counter({
    name: 'chat_messages_delivered_total',
    help: 'Message deliveries emitted (one per recipient user of each message)',
    registers: [this.registry],
  });

  readonly writeBatchSize = new Histogram({
    name: 'chat_write_batch_size',
    help: 'Messages written per group-commit statement',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });

  readonly sendToCommitSeconds = new Histogram({
    name: 'chat_send_to_commit_seconds',
    help: 'From a chat:message_send arriving to its row being committed',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly socketDisconnects = new Counter({
    name: 'chat_socket_disconnects_total',
    help: "Sockets gone from this process, by Socket.IO's reason (ping timeout, transport close, ...)",
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly slowConsumersDisconnected = new Counter({
    name: 'chat_slow_consumers_disconnected_total',
    help: 'Sockets cut off for having more than SOCKET_MAX_BUFFERED_BYTES waiting to be written',
    registers: [this.registry],
  });

  readonly notificationsSent = new Counter({
    name: 'chat_notifications_sent_total',
    help: 'Webhook POSTs answered 2xx and pushes accepted by the push service, by channel',
    labelNames: ['channel'],
    registers: [this.registry],
  });

  readonly notificationsFailed = new Counter({
    name: 'chat_notifications_failed_total',
    help: 'Attempts to send a notification that failed (each is retried on the schedule), by channel',
    labelNames: ['channel'],
    registers: [this.registry],
  });

  readonly notificationsDead = new Counter({
    name: 'chat_notifications_dead_total',
    help: 'Notifications given up after the last attempt of WEBHOOK_RETRY_SCHEDULE (dead letters), by channel',
    labelNames: ['channel'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}
