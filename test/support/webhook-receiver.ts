import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../../src/contract/notifications.js';
import { conditions } from './conditions.js';

// How long `waitFor` and `hung` wait before the test fails instead of hanging: a safety net, not a speed goal.

/** What `respond` is told about a request that passed every check. */
export interface WebhookRequest {
  /** The `webhook-id` header (the same as `event.id`). */
  id: string;
  event: WebhookEvent;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** One POST as the receiver saw it, in arrival order. */
export interface WebhookRequestRecord {
  /** The `webhook-id` header ('' without one). */
  id: string;
  /** The status answered; 0 while the request is held (`'hang'`) or if it was never answered. */
  status: number;
  /** Every configured secret verified the signature (and timestamp), and the body's id is the header's. */
  verified: boolean;
  /** Why it was rejected, when `verified` is false. */
  error?: string;
}

export interface WebhookReceiverOptions {
  /**
   * The `whsec_…` secrets the service signs with. A request must verify with EACH of them: the service
   * signs with all of its secrets (one `v1,…` entry per secret in `webhook-signature`), so a receiver
   * holding any one of them accepts it. Configure only the secret a given receiver knows to test that.
   */
  secrets: string[];
  /**
   * The status to answer a verified request with (default 200), or `'hang'`: hold it open until
   * `releaseHung` or `close`. `attempt` is 1 for the first POST of a webhook id, 2 for its first retry, …
   * Requests that fail verification are answered 400 without asking.
   */
  respond?: (request: WebhookRequest, attempt: number) => number | 'hang';
}

export interface WebhookReceiver {
  /** Where the service should POST: `http://127.0.0.1:<port>/webhook`. */
  url: string;
  /** The parsed bodies of verified requests, in arrival order: retries of one id appear again. */
  events: WebhookEvent[];
  /**
   * What a receiver that answered 2xx and drops an id seen before keeps: the first verified request of
   * each id that was answered with a 2xx status, in the order they were answered.
   */
  accepted: WebhookEvent[];
  /** Every POST, verified or not. */
  requests: WebhookRequestRecord[];
  /** How many POSTs each `webhook-id` got (verified or not). */
  byId: Map<string, number>;
  /** `${data.chatId}:${data.seq}:${type}` → the webhook ids it came under (verified requests only). */
  idsByEvent: Map<string, Set<string>>;
  /** How many requests failed verification (answered 400). */
  readonly rejected: number;
  /**
   * Resolves once `predicate(events)` holds: at once if it already does, else after the request that makes
   * it true has been answered (or held). Rejects after a safety timeout, naming `what`.
   */
  waitFor(predicate: (events: WebhookEvent[]) => boolean, what: string): Promise<void>;
  /** Resolves when a request is being held (`respond` said `'hang'`): at once if one already is. */
  hung(): Promise<void>;
  /** Answers every held request with `status`. */
  releaseHung(status?: number): void;
  close(): Promise<void>;
}

interface Held {
  res: ServerResponse;
  record: WebhookRequestRecord;
  event: WebhookEvent;
}

/** The key `idsByEvent` uses for an event. */
export function eventKey(event: WebhookEvent): string {
  return `${event.data.chatId}:${event.data.seq}:${event.type}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * A webhook endpoint for tests (Standard Webhooks): verifies every POST with the configured secrets and
 * records what arrived, answering as `respond` says.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  if (options.secrets.length === 0) throw new Error('startWebhookReceiver: give at least one secret');
  const verifiers = options.secrets.map((secret) => new Webhook(secret));
  const respond = options.respond ?? (() => 200);

  const events: WebhookEvent[] = [];
  const accepted: WebhookEvent[] = [];
  const acceptedIds = new Set<string>();
  const requests: WebhookRequestRecord[] = [];
  const byId = new Map<string, number>();
  const idsByEvent = new Map<string, Set<string>>();
  const held = new Set<Held>();
  const { notify, until } = conditions('webhook receiver', () => summary());
  let rejected = 0;
  let closed = false;

  const answer = (
    res: ServerResponse,
    record: WebhookRequestRecord,
    status: number,
    event?: WebhookEvent,
  ) => {
    record.status = status;
    if (event && status >= 200 && status < 300 && !acceptedIds.has(event.id)) {
      acceptedIds.add(event.id);
      accepted.push(event);
    }
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(record.error ?? '', notify);
  };

  /** Checks a request; answers the verified event, or why not. */
  const check = (headers: IncomingHttpHeaders, rawBody: string): WebhookEvent | string => {
    const contentType = header(headers, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType))
      return `content-type must be application/json, not ${JSON.stringify(contentType)}`;
    const signed = {
      'webhook-id': header(headers, 'webhook-id') ?? '',
      'webhook-timestamp': header(headers, 'webhook-timestamp') ?? '',
      'webhook-signature': header(headers, 'webhook-signature') ?? '',
    };
    let body: unknown;
    for (const [index, verifier] of verifiers.entries()) {
      try {
        body = verifier.verify(rawBody, signed);
      } catch (error) {
        return `secret #${index} did not verify: ${(error as Error).message}`;
      }
    }
    if (typeof body !== 'object' || body === null) return 'body is not a JSON object';
    const event = body as WebhookEvent;
    if (event.id !== signed['webhook-id'])
      return `body id ${JSON.stringify(event.id)} is not the webhook-id header ${JSON.stringify(signed['webhook-id'])}`;
    if (typeof event.type !== 'string' || typeof event.data !== 'object' || event.data === null)
      return 'body lacks type or data';
    return event;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const id = header(req.headers, 'webhook-id') ?? '';
      const attempt = (byId.get(id) ?? 0) + 1;
      byId.set(id, attempt);
      const record: WebhookRequestRecord = { id, status: 0, verified: false };
      requests.push(record);
      const checked =
        req.method === 'POST' ? check(req.headers, rawBody) : `method must be POST, not ${req.method}`;
      if (typeof checked === 'string') {
        record.error = checked;
        rejected++;
        answer(res, record, 400);
        return;
      }
      const event = checked;
      record.verified = true;
      events.push(event);
      const key = eventKey(event);
      const ids = idsByEvent.get(key) ?? new Set<string>();
      idsByEvent.set(key, ids.add(id));
      const decision = respond({ id, event, headers: req.headers, rawBody }, attempt);
      if (decision === 'hang' && !closed) {
        held.add({ res, record, event });
        notify();
      } else answer(res, record, decision === 'hang' ? 503 : decision, event);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const summary = () => {
    const types = events.map((e) => `${e.type}@${e.data.chatId.slice(-6)}:${e.data.seq}`);
    const errors = requests.filter((r) => r.error).map((r) => r.error);
    return (
      `got ${requests.length} request(s), ${events.length} verified [${types.join(', ')}]` +
      (errors.length ? `, rejected: ${errors.join(' | ')}` : '')
    );
  };

  return {
    url: `http://127.0.0.1:${port}/webhook`,
    events,
    accepted,
    requests,
    byId,
    idsByEvent,
    get rejected() {
      return rejected;
    },
    waitFor: (predicate, what) => until(() => predicate(events), what),
    hung: () => until(() => held.size > 0, 'a held request'),
    releaseHung(status = 200) {
      for (const entry of [...held]) {
        held.delete(entry);
        answer(entry.res, entry.record, status, entry.event);
      }
    },
    async close() {
      closed = true;
      for (const entry of held) entry.res.destroy();
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
