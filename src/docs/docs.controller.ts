import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Header, Param, Res, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppError } from '../common/errors/app-error.js';
import { ApiInternal } from './api-doc.decorator.js';
import { EVENTS_CSS, renderAsyncApiPage } from './asyncapi-page.js';
import { DOCS_CSS, DOCS_NAV } from './docs-nav.js';
import { buildOpenApi } from './openapi.js';

// src/docs and dist/docs are both two levels below the project root; the Socket.IO contract lives with the
// rest of the wire contract (copied into dist/ with the build).
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const ASYNCAPI_PATH = join(HERE, '..', 'contract', 'asyncapi.yaml');
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// The viewer, from npm (works offline). The page's own script is a file: the CSP allows no inline script.
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: join(SWAGGER_UI_DIR, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': {
    file: join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/docs/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>live-chat API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/api/docs/assets/docs.css">
</head>
<body>
${DOCS_NAV}
<main id="swagger-ui"></main>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body>
</html>
`;

@ApiInternal()
@Controller('docs')
export class DocsController {
  private readonly asyncapi = readFileSync(ASYNCAPI_PATH, 'utf8');
  private readonly eventsPage = renderAsyncApiPage(this.asyncapi);
  private readonly version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  private openapi?: string;
  private readonly assets = new Map<string, string>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** The API documentation: Swagger UI over the OpenAPI document, with links to the Socket.IO events. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  /** The REST contract as OpenAPI 3.1, generated from the controllers and their zod schemas. */
  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  openApi(): string {
    // Built on first use: every module's controllers are registered by then.
    this.openapi ??= JSON.stringify(
      buildOpenApi(
        this.discovery
          .getControllers()
          .map((wrapper) => wrapper.metatype as Type | null)
          .filter((type): type is Type => typeof type === 'function'),
        { title: 'live-chat REST API', version: this.version },
      ),
    );
    return this.openapi;
  }

  /** The Socket.IO contract: every event, both directions, with payloads and errors. */
  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  asyncApi(): string {
    return this.asyncapi;
  }

  /** The Socket.IO contract as a page to read: every event, its payload, acks and errors. */
  @Get('events')
  @Header('content-type', 'text/html; charset=utf-8')
  events(): string {
    return this.eventsPage;
  }

  /** The viewer's files (Swagger UI from the swagger-ui-dist package, and this page's own bits). */
  @Get('assets/:file')
  @Header('cache-control', 'public, max-age=3600')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    if (file === 'init.js') {
      reply.type('text/javascript; charset=utf-8');
      return INIT_SCRIPT;
    }
    if (file === 'docs.css' || file === 'events.css') {
      reply.type('text/css; charset=utf-8');
      return file === 'docs.css' ? DOCS_CSS : EVENTS_CSS;
    }
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new AppError('ROUTE_NOT_FOUND');
    reply.type(asset.type);
    let body = this.assets.get(file);
    if (body === undefined) {
      body = readFileSync(asset.file, 'utf8');
      this.assets.set(file, body);
    }
    return body;
  }
}
