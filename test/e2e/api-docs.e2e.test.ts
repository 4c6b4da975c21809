import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_CATALOG } from '../../src/common/errors/error-catalog.js';
import { createUser } from '../support/factories.js';
import type { HttpResult } from '../support/http.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

type JsonSchema = Record<string, unknown>;
interface Response {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
}
interface Operation {
  summary?: string;
  security?: unknown[];
  responses: Record<string, Response>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

// What a developer of a client does not call: probes, metrics, and the documentation itself.
const INTERNAL = [/^\/api\/health/, /^\/metrics/, /^\/api\/docs/];

let doc: OpenApi;
let ajv: Ajv;

beforeAll(async () => {
  const res = await t.http.get('/api/docs/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc as unknown as JsonSchema, 'openapi');
});

function operations(): { key: string; path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      path,
      method,
      op,
    })),
  );
}

/** The codes an error response lists: the `code` enum beside the shared error body. */
function codesOf(response: Response): string[] {
  const schema = response.content?.['application/json']?.schema as { allOf?: JsonSchema[] } | undefined;
  const narrowed = schema?.allOf?.find((s) => s.properties) as
    | { properties: { code: { enum: string[] } } }
    | undefined;
  return narrowed?.properties.code.enum ?? [];
}

function pointer(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

/** Checks a real answer against what the document says that operation answers with that status. */
function expectDocumented(method: string, path: string, answer: HttpResult<unknown>): void {
  const response = doc.paths[path]?.[method]?.responses[answer.status];
  expect(response, `${method.toUpperCase()} ${path} documents ${answer.status}`).toBeDefined();
  if (answer.status === 204) return;
  const validate = ajv.getSchema(
    `openapi#/${pointer('paths', path, method, 'responses', String(answer.status), 'content', 'application/json', 'schema')}`,
  )!;
  expect(
    validate(answer.body),
    `${method} ${path} ${answer.status}: ${JSON.stringify(validate.errors)}`,
  ).toBe(true);
}

describe('OpenAPI document at /api/docs/openapi.json', () => {
  it('gives every operation a summary, a success response with a schema, and its error codes from the catalog', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const { key, op } of ops) {
      if (!op.summary?.trim()) problems.push(`${key}: no summary`);
      const statuses = Object.keys(op.responses);
      const successes = statuses.filter((s) => /^2\d\d$/.test(s));
      if (successes.length === 0) problems.push(`${key}: no success response`);
      for (const status of successes) {
        if (status !== '204' && !Object.values(op.responses[status]!.content ?? {})[0]?.schema) {
          problems.push(`${key}: ${status} has no schema`);
        }
      }
      const errors = statuses.filter((s) => /^[45]\d\d$/.test(s) || s === 'default');
      if (!errors.some((s) => s !== 'default')) problems.push(`${key}: no error response`);
      for (const status of errors) {
        const codes = codesOf(op.responses[status]!);
        if (codes.length === 0) problems.push(`${key}: ${status} lists no codes`);
        for (const code of codes) {
          const entry = (ERROR_CATALOG as Record<string, { status: number }>)[code];
          if (!entry) problems.push(`${key}: ${status} lists ${code}, not in the catalog`);
          else if (status !== 'default' && String(entry.status) !== status) {
            problems.push(`${key}: ${code} is ${entry.status} in the catalog, listed under ${status}`);
          }
        }
      }
      if (op.security && !codesOf(op.responses['401'] ?? { description: '' }).includes('UNAUTHORIZED')) {
        problems.push(`${key}: needs a token but does not list UNAUTHORIZED`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists the codes a route refuses with, beside those of validation and authentication', () => {
    const edit = doc.paths['/api/messages/{messageId}']!.patch!.responses;
    expect(codesOf(edit['409']!)).toEqual(['EDIT_WINDOW_EXPIRED']);
    expect(codesOf(edit['410']!)).toEqual(['MESSAGE_DELETED']);
    expect(codesOf(edit['400']!)).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'MALFORMED_JSON']));
    expect(codesOf(doc.paths['/api/auth/register']!.post!.responses['409']!)).toEqual(['EMAIL_TAKEN']);
  });

  it('hides the internal routes: health probes, metrics and the documentation itself', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.filter((path) => INTERNAL.some((internal) => internal.test(path)))).toEqual([]);
    expect(paths).toContain('/api/sync');
  });

  it('describes the answers the server really gives', async () => {
    const register = await t.http.post('/api/auth/register', {
      email: `docs-${Date.now()}@example.test`,
      password: 'correct horse battery',
      name: 'Docs Reader',
    });
    expectDocumented('post', '/api/auth/register', register);
    const meId = register.body.user.id as string;
    const peer = await createUser(t.http, { name: 'Peer' });
    const token = register.body.accessToken as string;

    expectDocumented('get', '/api/users/me', await t.http.get('/api/users/me', token));
    expectDocumented('get', '/api/users', await t.http.get('/api/users?q=Peer', token));
    const direct = await t.http.post('/api/chats/direct', { userId: peer.id }, token);
    expectDocumented('post', '/api/chats/direct', direct);
    const chatId = direct.body.id as string;
    const message = await sendOk(await t.online(peer), { chatId, content: 'hello docs' });
    const messages = await t.http.get(`/api/chats/${chatId}/messages`, token);
    expect(messages.body.items).toHaveLength(1);
    expectDocumented('get', '/api/chats/{chatId}/messages', messages);
    expectDocumented('get', '/api/chats', await t.http.get('/api/chats', token));
    const read = await t.http.post(`/api/chats/${chatId}/read`, { messageId: message.id }, token);
    expectDocumented('post', '/api/chats/{chatId}/read', read);
    const reaction = await t.http.put(
      `/api/messages/${message.id}/reactions/${encodeURIComponent('👍')}`,
      undefined,
      token,
    );
    expectDocumented('put', '/api/messages/{messageId}/reactions/{emoji}', reaction);
    const sync = await t.http.get('/api/sync', token);
    expect(sync.body.events.length).toBeGreaterThan(0);
    expectDocumented('get', '/api/sync', sync);
    expectDocumented(
      'get',
      '/api/users/{id}/presence',
      await t.http.get(`/api/users/${meId}/presence`, token),
    );
    const group = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Docs', memberIds: [peer.id] },
      token,
    );
    expectDocumented('post', '/api/chats', group);
    expectDocumented(
      'get',
      '/api/chats/{chatId}/members',
      await t.http.get(`/api/chats/${group.body.id}/members`, token),
    );
    expectDocumented(
      'put',
      '/api/users/me/blocks/{userId}',
      await t.http.put(`/api/users/me/blocks/${peer.id}`, undefined, token),
    );

    // Refusals too: the error body, with a code the operation lists under that status.
    const unknownChat = await t.http.get(`/api/chats/${randomUUID()}/messages`, token);
    expect(unknownChat.body.code).toBe('CHAT_NOT_FOUND');
    expectDocumented('get', '/api/chats/{chatId}/messages', unknownChat);
    const foreignEdit = await t.http.patch(`/api/messages/${message.id}`, { content: 'not mine' }, token);
    expect(foreignEdit.body.code).toBe('FORBIDDEN');
    expectDocumented('patch', '/api/messages/{messageId}', foreignEdit);
    const taken = await t.http.post('/api/auth/register', {
      email: register.body.user.email,
      password: 'correct horse battery',
      name: 'Again',
    });
    expectDocumented('post', '/api/auth/register', taken);
    expectDocumented('get', '/api/users/me', await t.http.get('/api/users/me'));
  });
});

describe('Socket.IO events page at /api/docs/events', () => {
  it('is an HTML page, linked from /api/docs, that shows every event of the AsyncAPI document', async () => {
    const docs = await fetch(`${t.app.baseUrl}/api/docs`);
    expect(await docs.text()).toContain('href="/api/docs/events"');

    const page = await fetch(`${t.app.baseUrl}/api/docs/events`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-disposition')).toBeNull();
    const html = await page.text();
    // Works offline and under the CSP: no script at all, and nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);

    const asyncapi = parse(await (await fetch(`${t.app.baseUrl}/api/docs/asyncapi.yaml`)).text());
    const messages = asyncapi.components.messages as Record<string, { name: string }>;
    const missing: string[] = [];
    for (const op of Object.values(
      asyncapi.operations as Record<string, { action: string; messages: { $ref: string }[] }>,
    )) {
      for (const ref of op.messages) {
        const name = messages[ref.$ref.split('/').pop()!]!.name;
        const anchor = `id="event-${name}-${op.action === 'receive' ? 'in' : 'out'}"`;
        if (!html.includes(anchor)) missing.push(anchor);
      }
    }
    expect(missing).toEqual([]);
    for (const name of Object.keys(asyncapi.components.schemas))
      expect(html).toContain(`id="schema-${name}"`);
    for (const code of Object.keys(ERROR_CATALOG)) expect(html).toContain(`id="error-${code}"`);

    const css = await fetch(`${t.app.baseUrl}/api/docs/assets/events.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });
});
