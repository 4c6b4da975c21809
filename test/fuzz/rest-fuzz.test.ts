/**
 * Fuzzes every REST operation the app's own OpenAPI document lists: for each path, query and body parameter
 * in turn, hostile values (./hostile-values.ts) while the others keep values that work, with a valid bearer
 * token. No answer may be a 5xx, every refusal must be the one error shape with a code the document lists for
 * that operation and status (when the code is in the catalog), and a refused change must change nothing the
 * caller can see. Reproduce a run with FUZZ_SEED=<seed> (FUZZ_DRAWS sets how many random
 * values each parameter gets on top of the fixed ones); near misses are of the values this run's users,
 * chats and tokens hold.
 */
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/common/errors/error-catalog.js';
import { mediaFixture, uploadFile } from '../fixtures/media-files.js';
import { createUser, type TestUser, userInput } from '../support/factories.js';
import { ownDatabaseEnv } from '../support/own-database.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';
import {
  HOSTILE_BODIES,
  type Hostile,
  hostileJson,
  hostileTexts,
  mutationsOf,
  percentEncode,
} from './hostile-values.js';
import { fuzzSeed, Rng } from './prng.js';

const SEED = fuzzSeed(20_260_116);
const RANDOM_DRAWS = Number(process.env.FUZZ_DRAWS ?? 4);

type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: JsonSchema;
}

interface Operation {
  key: string;
  method: string;
  path: string;
  parameters: Parameter[];
  /** Present when the operation takes a JSON body. */
  bodySchema?: JsonSchema;
  takesBody: boolean;
  secured: boolean;
  /** The error codes the document lists, by status (and under `default`). */
  errorCodes: Record<string, string[]>;
}

interface Request {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
  rawBody?: string;
}

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: the fuzz inspects arbitrary JSON answers
  json: any;
}

// The fuzz stores users named `%`, `_` and worse: other suites' searches must not find them.
// The valid push subscription is on loopback.
const env = Object.assign(ownDatabaseEnv(), { PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' });
const t = useTestApp({ env });

/** What exists before fuzzing: the caller, a peer, their chat, a message in it, an upload. */
interface World {
  me: TestUser;
  peer: TestUser;
  chatId: string;
  messageId: string;
  /** A message of the caller's own, which they may edit and delete. */
  myMessageId: string;
  mediaId: string;
  /** The query of a signed link to the upload. */
  mediaLink: Record<string, string>;
  /** A `before` of the chat list and a `since` of sync, as the API hands them out. */
  chatCursor: string;
  syncToken: string;
  /** Another user, in none of the caller's groups: the one the caller adds and blocks. */
  other: TestUser;
  /** Groups: one the caller owns (with the peer), one whose message the reads route lists. */
  groupId: string;
  groupMessageId: string;
  /** Groups of the peer's where the caller is a member, to leave once each way; one to hand over. */
  groupToLeave: string;
  groupToQuit: string;
  groupToHandOver: string;
}

let world: World;
let operations: Operation[];

beforeAll(async () => {
  const [me, peer, other] = [await createUser(t.http), await createUser(t.http), await createUser(t.http)];
  const message = await sendOk(await t.online(peer), { receiverId: me.id, content: 'hello' });
  const mine = await sendOk(await t.online(me), { receiverId: peer.id, content: 'hello back' });
  // A second chat, so that the chat list has a next page and a cursor.
  expect((await t.http.post('/api/chats/direct', { userId: other.id }, me.accessToken)).status).toBe(201);
  const upload = await uploadFile(t.app.baseUrl, me.accessToken, mediaFixture('voice.ogg'), {
    filename: 'voice.ogg',
  });
  expect(upload.status).toBe(201);
  const link = await t.http.get(`/api/media/${upload.body.id}/link`, me.accessToken);
  const chats = await t.http.get('/api/chats?limit=1', me.accessToken);
  const sync = await t.http.get('/api/sync?limit=1', me.accessToken);
  world = {
    me,
    peer,
    chatId: message.chatId,
    messageId: message.id,
    myMessageId: mine.id,
    mediaId: upload.body.id,
    mediaLink: Object.fromEntries(new URL(link.body.url, 'http://relative.invalid').searchParams),
    chatCursor: chats.body.nextCursor,
    syncToken: sync.body.token,
  } as World;
  const group = async (owner: TestUser, member: TestUser) => {
    const res = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Fuzz', memberIds: [member.id] },
      owner.accessToken,
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const groupId = await group(me, peer);
  const groupMessage = await sendOk(await t.online(me), { chatId: groupId, content: 'hello group' });
  Object.assign(world, {
    other,
    groupId,
    groupMessageId: groupMessage.id,
    groupToLeave: await group(peer, me),
    groupToQuit: await group(peer, me),
    groupToHandOver: await group(me, peer),
  });
  const spec = await t.http.get('/api/docs/openapi.json');
  expect(spec.status).toBe(200);
  operations = operationsOf(spec.body);
});

function operationsOf(spec: { paths: Record<string, Record<string, JsonSchema>> }): Operation[] {
  return Object.entries(spec.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => {
      const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)
        ?.content;
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters as Parameter[] | undefined) ?? [],
        bodySchema: content?.['application/json']?.schema,
        takesBody: content !== undefined,
        secured: Array.isArray(op.security),
        errorCodes: errorCodesOf(op.responses as Record<string, JsonSchema>),
      };
    }),
  );
}

function errorCodesOf(responses: Record<string, JsonSchema>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const schema = (response.content as Record<string, { schema: { allOf?: JsonSchema[] } }> | undefined)?.[
        'application/json'
      ]?.schema;
      const narrowed = schema?.allOf?.find((s) => s.properties) as
        | { properties: { code: { enum: string[] } } }
        | undefined;
      return [status, narrowed?.properties.code.enum ?? []];
    }),
  );
}

// Values that work, so that a hostile value in one parameter reaches as deep as that parameter goes.
const PATH_VALUES: Record<string, () => string> = {
  chatId: () => world.chatId,
  'GET /api/users/{id}/presence id': () => world.peer.id,
  'GET /api/media/{id} id': () => world.mediaId,
  'GET /api/media/{id}/link id': () => world.mediaId,
  messageId: () => world.myMessageId,
  emoji: () => '👍',
  // Groups: each operation on one it can be done in (the first time, for leaving and handing over).
  'PATCH /api/chats/{chatId} chatId': () => world.groupId,
  'GET /api/chats/{chatId}/members chatId': () => world.groupId,
  'POST /api/chats/{chatId}/members chatId': () => world.groupId,
  'PATCH /api/chats/{chatId}/members/{userId} chatId': () => world.groupId,
  'PATCH /api/chats/{chatId}/members/{userId} userId': () => world.peer.id,
  'DELETE /api/chats/{chatId}/members/{userId} chatId': () => world.groupToQuit,
  'DELETE /api/chats/{chatId}/members/{userId} userId': () => world.me.id,
  'POST /api/chats/{chatId}/leave chatId': () => world.groupToLeave,
  'POST /api/chats/{chatId}/owner chatId': () => world.groupToHandOver,
  'GET /api/chats/{chatId}/messages/{messageId}/reads chatId': () => world.groupId,
  'GET /api/chats/{chatId}/messages/{messageId}/reads messageId': () => world.groupMessageId,
  userId: () => world.other.id,
};

const QUERY_VALUES: Record<string, () => Record<string, string>> = {
  'GET /api/media/{id}': () => world.mediaLink,
  // For oneself: it can be done again and again, and leaves the message for the other operations.
  'DELETE /api/messages/{messageId}': () => ({ scope: 'me' }),
};

const BODY_VALUES: Record<string, () => Record<string, unknown>> = {
  'POST /api/auth/register': () => userInput(),
  'POST /api/auth/login': () => ({ email: world.me.email, password: world.me.password }),
  'POST /api/auth/refresh': () => ({ refreshToken: world.me.refreshToken }),
  'POST /api/auth/password': () => ({
    currentPassword: world.me.password,
    newPassword: `fuzzed password ${randomUUID()}`,
  }),
  'PATCH /api/users/me': () => ({ name: 'Fuzzed Name', avatar: 'https://cdn.example.test/a.png' }),
  'POST /api/chats/direct': () => ({ userId: world.peer.id }),
  'POST /api/chats/{chatId}/read': () => ({ messageId: world.messageId }),
  'PATCH /api/messages/{messageId}': () => ({ content: 'edited by the fuzz' }),
  'POST /api/chats': () => ({ type: 'GROUP', title: 'Fuzzed group', memberIds: [world.peer.id] }),
  'PATCH /api/chats/{chatId}': () => ({
    title: 'Renamed by the fuzz',
    avatar: 'https://cdn.example.test/g.png',
    historyVisibility: 'all',
  }),
  'POST /api/chats/{chatId}/members': () => ({ userIds: [world.other.id] }),
  'PATCH /api/chats/{chatId}/members/{userId}': () => ({ role: 'admin' }),
  'POST /api/chats/{chatId}/owner': () => ({ userId: world.peer.id }),
  'PUT /api/chats/{chatId}/notifications': () => ({
    level: 'none',
    mutedUntil: new Date(Date.now() + 3_600_000).toISOString(),
  }),
  // A browser's subscription: a P-256 public key and a 16-byte secret; loopback is allowed in this app.
  'POST /api/push/subscriptions': () => ({
    endpoint: `https://127.0.0.1:9/push/${randomUUID()}`,
    expirationTime: null,
    keys: {
      p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
  }),
  'DELETE /api/push/subscriptions': () => ({ endpoint: 'https://127.0.0.1:9/push/none' }),
};

// Values that work for a parameter left out of the valid request (they exclude each other, or change
// nothing): the starting point of its near misses.
const QUERY_SEEDS: Record<string, () => string> = {
  'GET /api/chats before': () => world.chatCursor,
  'GET /api/sync since': () => world.syncToken,
  'GET /api/chats/{chatId}/messages before': () => '2',
  'GET /api/chats/{chatId}/messages after': () => '1',
  'GET /api/users q': () => world.peer.email,
};

function validRequest(op: Operation): Request {
  const path: Record<string, unknown> = {};
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    const value = PATH_VALUES[`${op.key} ${p.name}`] ?? PATH_VALUES[p.name];
    path[p.name] = value ? value() : fallback(p.schema);
  }
  const body = op.bodySchema
    ? (BODY_VALUES[op.key]?.() ?? (fallback(op.bodySchema) as Record<string, unknown>))
    : undefined;
  return { path, query: QUERY_VALUES[op.key]?.() ?? {}, body };
}

// For an operation this file has not been told about: something of the right shape.
function fallback(schema: JsonSchema): unknown {
  if (schema.type === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    return Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, fallback(s)]));
  }
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
  if (schema.type === 'boolean') return true;
  if (schema.format === 'uuid') return randomUUID();
  if (Array.isArray(schema.anyOf)) return fallback(schema.anyOf[0] as JsonSchema);
  return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
}

async function send(op: Operation, request: Request): Promise<Answer> {
  let url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => percentEncode(String(request.path[name])));
  const query = Object.entries(request.query).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => `${name}=${percentEncode(String(v))}`),
  );
  if (query.length > 0) url += `?${query.join('&')}`;
  const headers: Record<string, string> = {};
  if (op.secured) headers.authorization = `Bearer ${world.me.accessToken}`;
  let body: string | undefined = request.rawBody;
  if (request.body !== undefined) body = JSON.stringify(request.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.app.baseUrl}${url}`, { method: op.method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** What the caller can see of their own account and chats: a refused change must leave it as it was. */
async function callerState(): Promise<string> {
  const [me, chats] = await Promise.all([
    t.http.get('/api/users/me', world.me.accessToken),
    t.http.get('/api/chats', world.me.accessToken),
  ]);
  return JSON.stringify([me.status, me.body, chats.status, chats.body]);
}

/** Keeps the caller signed in across the calls that end or renew their session. */
async function followSession(op: Operation, request: Request, answer: Answer): Promise<void> {
  if (answer.status >= 300) return;
  const session = answer.json as { accessToken?: string; refreshToken?: string } | undefined;
  if (op.key === 'POST /api/auth/password') {
    world.me.password = (request.body as { newPassword: string }).newPassword;
  }
  if (['POST /api/auth/password', 'POST /api/auth/refresh', 'POST /api/auth/login'].includes(op.key)) {
    world.me.accessToken = session!.accessToken!;
    world.me.refreshToken = session!.refreshToken!;
  }
  if (op.key === 'POST /api/auth/logout') {
    const login = await t.http.post('/api/auth/login', {
      email: world.me.email,
      password: world.me.password,
    });
    world.me.accessToken = login.body.accessToken;
    world.me.refreshToken = login.body.refreshToken;
  }
}

interface Case {
  target: string;
  hostile: Hostile;
  /** The request: built when it is sent, so that it carries the caller's current password and tokens. */
  request(): Request;
}

// Each parameter draws from its own generator, derived from the seed and its name: a route added or removed
// does not change the values any other parameter gets.
function rngFor(target: string): Rng {
  let hash = 0x811c9dc5;
  for (const char of target) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193);
  return new Rng((SEED ^ hash) >>> 0);
}

function casesFor(op: Operation): Case[] {
  const cases: Case[] = [];
  const valid = validRequest(op);
  for (const p of op.parameters) {
    const rng = rngFor(`${op.key} ${p.in} ${p.name}`);
    const seed =
      p.in === 'path' ? valid.path[p.name] : (valid.query[p.name] ?? QUERY_SEEDS[`${op.key} ${p.name}`]?.());
    for (const hostile of [...hostileTexts(rng, RANDOM_DRAWS), ...mutationsOf(seed, rng, RANDOM_DRAWS)]) {
      cases.push({
        target: `${p.in} ${p.name}`,
        hostile,
        request() {
          const request = validRequest(op);
          request[p.in === 'path' ? 'path' : 'query'][p.name] = hostile.value;
          return request;
        },
      });
    }
  }
  const properties = Object.keys((op.bodySchema?.properties ?? {}) as Record<string, unknown>);
  for (const name of properties) {
    const rng = rngFor(`${op.key} body ${name}`);
    const seed = (valid.body as Record<string, unknown>)[name];
    for (const hostile of [...hostileJson(rng, RANDOM_DRAWS), ...mutationsOf(seed, rng, RANDOM_DRAWS)]) {
      cases.push({
        target: `body ${name}`,
        hostile,
        request() {
          const request = validRequest(op);
          (request.body as Record<string, unknown>)[name] = hostile.value;
          return request;
        },
      });
    }
  }
  if (op.takesBody) {
    for (const raw of HOSTILE_BODIES) {
      cases.push({
        target: 'body',
        hostile: { label: raw, value: raw },
        request: () => ({ ...validRequest(op), body: undefined, rawBody: raw }),
      });
    }
  }
  return cases;
}

// Calls that answer about other accounts or sessions, or store nothing the caller can list: their cases need
// no check of the caller's state between them, and run side by side.
const LEAVES_CALLER_ALONE = new Set([
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/media',
]);
const IN_FLIGHT = 4;

/**
 * What is wrong with an answer to a hostile request, if anything: a 5xx, a refusal in another shape, or one
 * with a code the document does not list for that operation and status.
 */
function problemWith(op: Operation, answer: Answer): string | undefined {
  if (answer.status >= 500) return `${answer.status} ${answer.text.slice(0, 200)}`;
  if (
    answer.status >= 400 &&
    (answer.json?.statusCode !== answer.status || typeof answer.json?.code !== 'string')
  ) {
    return `${answer.status} without the error shape: ${answer.text.slice(0, 200)}`;
  }
  if (answer.status >= 400 && !Object.hasOwn(ERROR_CATALOG, answer.json.code)) {
    return `${answer.status} ${answer.json.code}, which is not a code of the catalog`;
  }
  const documented = [...(op.errorCodes[answer.status] ?? []), ...(op.errorCodes.default ?? [])];
  if (answer.status >= 400 && !documented.includes(answer.json.code)) {
    return `${answer.status} ${answer.json.code}, which the document does not list for it`;
  }
  return undefined;
}

describe('REST fuzz (every operation of the OpenAPI document)', () => {
  it(`answers hostile parameters with a 4xx in the error shape or a success, never a 5xx (seed ${SEED})`, async () => {
    const problems: string[] = [];
    let requests = 0;
    const where = (op: Operation, c: Case) => `${op.key} ${c.target} = ${c.hostile.label}`;

    for (const op of operations) {
      // The values that work do work: otherwise the fuzz would only ever meet the first check.
      const baseline = validRequest(op);
      const ok = await send(op, baseline);
      const hasInput = op.parameters.length > 0 || op.bodySchema !== undefined;
      if (ok.status >= 400 && hasInput) {
        problems.push(`${op.key}: the valid request answered ${ok.status} ${ok.text.slice(0, 200)}`);
      }
      await followSession(op, baseline, ok);
      const cases = casesFor(op);
      requests += cases.length + 1;

      if (op.method !== 'GET' && !LEAVES_CALLER_ALONE.has(op.key)) {
        // One at a time, with the caller's state before and after each refusal.
        let state = await callerState();
        for (const c of cases) {
          const request = c.request();
          const answer = await send(op, request);
          const problem = problemWith(op, answer);
          if (problem) problems.push(`${where(op, c)}: ${problem}`);
          if (answer.status < 400) await followSession(op, request, answer);
          const after = await callerState();
          if (answer.status >= 400 && after !== state) {
            problems.push(`${where(op, c)}: refused with ${answer.status}, yet the caller's state changed`);
          }
          state = after;
        }
        continue;
      }

      for (let i = 0; i < cases.length; i += IN_FLIGHT) {
        await Promise.all(
          cases.slice(i, i + IN_FLIGHT).map(async (c) => {
            const request = c.request();
            const answer = await send(op, request);
            const problem = problemWith(op, answer);
            if (problem) problems.push(`${where(op, c)}: ${problem}`);
            // A refused sign-up leaves its email free.
            if (
              op.key === 'POST /api/auth/register' &&
              answer.status >= 400 &&
              c.target.startsWith('body ') &&
              c.target !== 'body email'
            ) {
              const email = (request.body as { email: string }).email;
              const found = await t.http.get(
                `/api/users?q=${encodeURIComponent(email)}`,
                world.me.accessToken,
              );
              if (found.body.items?.length !== 0)
                problems.push(`${where(op, c)}: refused, yet ${email} exists`);
            }
          }),
        );
      }
    }

    console.log(`REST fuzz, seed ${SEED}: ${requests} requests over ${operations.length} operations`);
    // The document lists the operations this fuzz is meant for (it could not fuzz what it does not list).
    expect(operations.map((op) => op.key)).toEqual(
      expect.arrayContaining([
        'PATCH /api/users/me',
        'POST /api/auth/register',
        'GET /api/users',
        'GET /api/sync',
        'GET /api/chats',
        'GET /api/chats/{chatId}/messages',
      ]),
    );
    expect(problems).toEqual([]);
    // Hundreds of calls one at a time, each with a look at the caller before and after: slower than a test.
  }, 300_000);
});
