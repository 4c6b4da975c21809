import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/config.js';
import { testSecret } from '../support/test-app.js';
import { buildWebIfStale, HAS_CHROMIUM, launchChromium, SCREENSHOTS } from './browser.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: unknown; parameters?: { name: string; in: string }[] }>
  >;
}

// Routes kept out of the document on purpose (@ApiInternal): probes and the documentation itself.
const INTERNAL = ['/api/health', '/api/docs'];

let app: NestFastifyApplication;
let baseUrl: string;
let browser: Browser | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'live-chat-docs-'));
/** Every route the app registers, as Fastify sees it (method and URL). */
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  buildWebIfStale();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: testSecret,
    LOG_LEVEL: 'silent',
    ...(inject('databaseUrl') ? { DATABASE_URL: inject('databaseUrl')! } : {}),
    ...(inject('redisUrl') ? { REDIS_URL: inject('redisUrl')!, REDIS_PREFIX: 'docs-test' } : {}),
  });
  app = await createApp(config, createLogger(config.logLevel));
  // Before listen: Nest adds its routes to Fastify during init, so this hook sees every one of them.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function openApi(): Promise<OpenApiDocument> {
  const response = await fetch(`${baseUrl}/api/docs/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

describe('API docs', () => {
  it('the OpenAPI document lists every route the app registers under /api but the internal ones', async () => {
    const document = await openApi();
    expect(document.openapi).toBe('3.1.0');
    const api = routes.filter(
      (r) =>
        r.url.startsWith('/api/') &&
        !INTERNAL.some((prefix) => r.url.startsWith(prefix)) &&
        r.method !== 'HEAD' &&
        r.method !== 'OPTIONS',
    );
    expect(api.length).toBeGreaterThan(15);
    const missing = api
      .map((r) => ({ method: r.method.toLowerCase(), path: r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}') }))
      .filter((r) => !document.paths[r.path]?.[r.method])
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
    // And nothing the app does not serve.
    const served = new Set(
      api.map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    const extra = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .filter((operation) => !served.has(operation));
    expect(extra).toEqual([]);
  });

  it('bodies, query strings and path parameters come from the zod schemas', async () => {
    const { paths } = await openApi();
    const register = paths['/api/auth/register']!.post!.requestBody as {
      content: {
        'application/json': { schema: { required: string[]; properties: Record<string, unknown> } };
      };
    };
    expect(register.content['application/json'].schema.required).toEqual(['email', 'password', 'name']);
    expect(register.content['application/json'].schema.properties.password).toMatchObject({
      minLength: 8,
      maxLength: 256,
    });
    const history = paths['/api/chats/{chatId}/messages']!.get!.parameters!;
    expect(history.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:chatId',
      'query:after',
      'query:before',
      'query:limit',
    ]);
    expect(paths['/api/media']!.post!.requestBody).toMatchObject({
      content: { 'multipart/form-data': { schema: { required: ['file'] } } },
    });
  });

  it.skipIf(!HAS_CHROMIUM)('serves a viewer that works offline and links the AsyncAPI document', async () => {
    const page = await fetch(`${baseUrl}/api/docs`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('href="/api/docs/asyncapi.yaml"');
    expect(html).toContain('href="/api/docs/events"');
    expect(html).not.toMatch(/https?:\/\//);
    const asyncapi = await fetch(`${baseUrl}/api/docs/asyncapi.yaml`);
    expect(asyncapi.status).toBe(200);
    expect(await asyncapi.text()).toContain('asyncapi:');
    expect((await fetch(`${baseUrl}/api/docs/assets/nope.js`)).status).toBe(404);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const tab = await context.newPage();
    const blocked: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') blocked.push(message.text());
    });
    await tab.goto(`${baseUrl}/api/docs`);
    await tab.getByText('/api/auth/register').first().waitFor({ timeout: 20_000 });
    await tab.getByRole('link', { name: 'Socket.IO events (AsyncAPI YAML)' }).waitFor();
    await tab.screenshot({ path: join(SCREENSHOTS, 'docs-01-swagger-ui.png') });
    await tab.getByRole('link', { name: 'Socket.IO events', exact: true }).click();
    await tab.getByRole('heading', { name: 'Server to client' }).waitFor();
    await tab.locator('[id="event-chat:message_receive-out"]').scrollIntoViewIfNeeded();
    await tab.screenshot({ path: join(SCREENSHOTS, 'docs-02-events.png') });
    expect(blocked.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    await context.close();
  });
});
