import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, type ECDH, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PushPayload } from '../../src/contract/notifications.js';
import { conditions } from './conditions.js';

// How long `waitFor` and `hung` wait before the test fails instead of hanging: a safety net, not a speed goal.
// RFC 8292 §2: `exp` MUST NOT be more than 24 hours after the request; a minute of slack for clock skew.
const MAX_EXP_S = 24 * 60 * 60 + 60;

/** http_ece ships no types: the one call used here (RFC 8188 / RFC 8291 decryption). */
interface HttpEce {
  decrypt(
    buffer: Buffer,
    params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string | Buffer },
  ): Buffer;
}
const ece = createRequire(import.meta.url)('http_ece') as HttpEce;

export interface TestCertificate {
  cert: string;
  key: string;
  /** The certificate as a PEM file: `NODE_EXTRA_CA_CERTS` for a service process that must trust it. */
  certFile: string;
}

let certificate: TestCertificate | undefined;

/**
 * A self-signed certificate for `127.0.0.1` and `localhost`, made with the openssl CLI once per process
 * (Web Push endpoints must be https). Its folder is removed when the process exits.
 */
export function testCertificate(): TestCertificate {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'live-chat-cert-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  certificate = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
  return certificate;
}

/** An https agent that trusts `testCertificate()` (web-push's `agent` option, say). */
export function testCertificateAgent(): Agent {
  return new Agent({ ca: testCertificate().cert });
}

/** One subscription's keys, made as a browser makes them; the push service keeps the private part. */
export interface SubscriptionKeys {
  endpoint: string;
  /** base64url, as `PushSubscription.toJSON()` gives them. */
  keys: { p256dh: string; auth: string };
  /** The browser's `PushSubscription.toJSON()`: the body of `POST /api/push/subscriptions`. */
  json(): { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

/** One POST to an endpoint, in arrival order. */
export interface ReceivedPush {
  /** The endpoint's name (`/push/<name>`). */
  name: string;
  /** Headers (RFC 8030), VAPID (RFC 8292) and decryption (RFC 8291) all passed. */
  ok: boolean;
  /** Why not, when `ok` is false. */
  error?: string;
  /** The decrypted JSON. */
  payload?: PushPayload;
  headers: IncomingHttpHeaders;
  /** The VAPID public key (`k=`), when the Authorization header had one: the service's `GET /api/push/key`. */
  vapidKey?: string;
  /** The status answered; 0 while held (`'hang'`) or if never answered. */
  status: number;
}

/** What `respond` is told about a push that passed every check. */
export interface PushRequest {
  name: string;
  payload: PushPayload;
  headers: IncomingHttpHeaders;
}

export interface PushServiceOptions {
  /**
   * The status to answer a valid push with (default 201, as push services do), or `'hang'`: hold it open
   * until `releaseHung` or `close`. `n` is 1 for the first POST to that endpoint name, 2 for the next, …
   * A push that fails a check is answered 400 without asking.
   */
  respond?: (request: PushRequest, n: number) => number | 'hang';
}

export interface PushService {
  /** `https://127.0.0.1:<port>`: the `aud` VAPID tokens must carry. */
  origin: string;
  /** `https://127.0.0.1:<port>/push/<name>`. */
  endpointFor(name: string): string;
  /** New keys for the endpoint `name`, as a browser subscribing there would make them. */
  createSubscriptionKeys(name: string): SubscriptionKeys;
  received: ReceivedPush[];
  /**
   * Resolves once `predicate(received)` holds: at once if it already does, else after the push that makes
   * it true has been answered (or held). Rejects after a safety timeout, naming `what`.
   */
  waitFor(predicate: (received: ReceivedPush[]) => boolean, what: string): Promise<void>;
  /** Resolves when a push is being held (`respond` said `'hang'`): at once if one already is. */
  hung(): Promise<void>;
  /** Answers every held push with `status`. */
  releaseHung(status?: number): void;
  close(): Promise<void>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64urlJson(part: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) throw new Error(`VAPID JWT ${what} is not base64url`);
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`VAPID JWT ${what} is not an object`);
  return value as Record<string, unknown>;
}

/** RFC 8292: `Authorization: vapid t=<JWT>, k=<key>`, an ES256 JWT for `origin`. Returns k. */
function checkVapid(authorization: string | undefined, origin: string): string {
  if (!authorization) throw new Error('no Authorization header');
  const match = /^vapid\s+(.*)$/i.exec(authorization);
  if (!match) throw new Error(`Authorization is not the vapid scheme: ${authorization.slice(0, 40)}`);
  const params = new Map<string, string>();
  for (const param of match[1]!.split(',')) {
    const eq = param.indexOf('=');
    if (eq > 0) params.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
  }
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) throw new Error('vapid Authorization lacks t= or k=');
  const raw = Buffer.from(k, 'base64url');
  if (!BASE64URL.test(k) || raw.length !== 65 || raw[0] !== 0x04)
    throw new Error('vapid k is not a base64url uncompressed P-256 point');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('VAPID t is not a JWT');
  const [head, body, signature] = parts as [string, string, string];
  const jwtHeader = base64urlJson(head, 'header');
  if (jwtHeader.alg !== 'ES256') throw new Error(`VAPID JWT alg is ${String(jwtHeader.alg)}, not ES256`);
  if (jwtHeader.typ !== undefined && jwtHeader.typ !== 'JWT')
    throw new Error(`VAPID JWT typ is ${String(jwtHeader.typ)}`);
  const sig = Buffer.from(signature, 'base64url');
  if (!BASE64URL.test(signature) || sig.length !== 64) throw new Error('VAPID JWT signature is not ES256');
  const signed = Buffer.from(`${head}.${body}`, 'ascii');
  if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, sig))
    throw new Error('VAPID JWT signature does not verify with k');
  const claims = base64urlJson(body, 'claims');
  if (claims.aud !== origin) throw new Error(`VAPID aud is ${String(claims.aud)}, not ${origin}`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp))
    throw new Error('VAPID exp is not an integer');
  if (claims.exp <= now) throw new Error(`VAPID exp ${claims.exp} has passed (now ${now})`);
  if (claims.exp > now + MAX_EXP_S) throw new Error(`VAPID exp ${claims.exp} is more than 24 h ahead`);
  const sub = typeof claims.sub === 'string' && URL.canParse(claims.sub) ? new URL(claims.sub) : undefined;
  if (sub?.protocol !== 'mailto:' && sub?.protocol !== 'https:')
    throw new Error(`VAPID sub ${String(claims.sub)} is not a mailto: or https: URL`);
  return k;
}

/** RFC 8030 headers: TTL (required), Urgency and Topic (if present); RFC 8291: aes128gcm. */
function checkHeaders(headers: IncomingHttpHeaders): void {
  const encoding = header(headers, 'content-encoding');
  if (encoding !== 'aes128gcm') throw new Error(`Content-Encoding is ${String(encoding)}, not aes128gcm`);
  const ttl = header(headers, 'ttl');
  if (ttl === undefined || !/^\d+$/.test(ttl))
    throw new Error(`TTL is ${String(ttl)}, not a number of seconds`);
  const urgency = header(headers, 'urgency');
  if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency))
    throw new Error(`Urgency ${urgency} is not very-low, low, normal or high`);
  const topic = header(headers, 'topic');
  if (topic !== undefined && (topic.length > 32 || !BASE64URL.test(topic)))
    throw new Error(`Topic ${topic} is not at most 32 base64url characters`);
}

function checkPayload(value: unknown): PushPayload {
  const payload = value as Partial<Record<string, unknown>> | null;
  if (typeof payload !== 'object' || payload === null) throw new Error('payload is not a JSON object');
  if (payload.type !== 'message' && payload.type !== 'read')
    throw new Error(`payload type is ${String(payload.type)}`);
  if (typeof payload.id !== 'string' || typeof payload.chatId !== 'string' || typeof payload.seq !== 'number')
    throw new Error('payload lacks id, chatId or seq');
  return value as PushPayload;
}

interface Held {
  res: ServerResponse;
  push: ReceivedPush;
}

/**
 * A stand-in Web Push service on https://127.0.0.1 (certificate: `testCertificate()`): every POST to
 * `/push/<name>` is checked as a push service would (RFC 8030 headers, RFC 8292 VAPID) and decrypted with
 * the keys `createSubscriptionKeys(name)` made (RFC 8291), then answered as `respond` says.
 */
export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  const { cert, key } = testCertificate();
  const respond = options.respond ?? (() => 201);
  const subscriptions = new Map<string, { ecdh: ECDH; auth: string }>();
  const received: ReceivedPush[] = [];
  const counts = new Map<string, number>();
  const held = new Set<Held>();
  const { notify, until } = conditions('push service', () => summary());
  let closed = false;
  let origin = '';
  const answer = (res: ServerResponse, push: ReceivedPush, status: number) => {
    push.status = status;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(push.error ?? '', notify);
  };

  const decode = (name: string, headers: IncomingHttpHeaders, body: Buffer): PushPayload => {
    checkHeaders(headers);
    checkVapid(header(headers, 'authorization'), origin);
    const subscription = subscriptions.get(name);
    if (!subscription) throw new Error(`no subscription keys were made for ${name}`);
    let plain: Buffer;
    try {
      plain = ece.decrypt(body, {
        version: 'aes128gcm',
        privateKey: subscription.ecdh,
        authSecret: subscription.auth,
      });
    } catch (error) {
      throw new Error(`cannot decrypt for ${name}'s keys: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      throw new Error(`decrypted payload is not JSON: ${plain.toString('utf8').slice(0, 80)}`);
    }
    return checkPayload(parsed);
  };

  const server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', origin).pathname;
      const match = /^\/push\/([^/]+)$/.exec(path);
      const name = match ? decodeURIComponent(match[1]!) : path;
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      const headers = req.headers;
      const push: ReceivedPush = { name, ok: false, headers, status: 0 };
      received.push(push);
      try {
        if (req.method !== 'POST') throw new Error(`method must be POST, not ${req.method}`);
        if (!match) throw new Error(`no endpoint at ${path}`);
        const authorization = header(headers, 'authorization');
        const k = authorization && /[\s,]k=([A-Za-z0-9_-]+)/.exec(authorization);
        if (k) push.vapidKey = k[1];
        push.payload = decode(name, headers, Buffer.concat(chunks));
        push.ok = true;
      } catch (error) {
        push.error = (error as Error).message;
        answer(res, push, 400);
        return;
      }
      const decision = respond({ name, payload: push.payload, headers }, n);
      if (decision === 'hang' && !closed) {
        held.add({ res, push });
        notify();
      } else answer(res, push, decision === 'hang' ? 503 : decision);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;
  const endpointFor = (name: string) => `${origin}/push/${encodeURIComponent(name)}`;

  const summary = () => {
    const lines = received.map((p) =>
      p.ok ? `${p.name}:${p.payload?.type}:${p.status}` : `${p.name}:rejected(${p.error})`,
    );
    return `got ${received.length} push(es) [${lines.join(', ')}]`;
  };

  return {
    origin,
    endpointFor,
    createSubscriptionKeys(name) {
      if (subscriptions.has(name)) throw new Error(`subscription keys for ${name} were made already`);
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      subscriptions.set(name, { ecdh, auth });
      const endpoint = endpointFor(name);
      const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth };
      return { endpoint, keys, json: () => ({ endpoint, expirationTime: null, keys: { ...keys } }) };
    },
    received,
    waitFor: (predicate, what) => until(() => predicate(received), what),
    hung: () => until(() => held.size > 0, 'a held push'),
    releaseHung(status = 201) {
      for (const entry of [...held]) {
        held.delete(entry);
        answer(entry.res, entry.push, status);
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
