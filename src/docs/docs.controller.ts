import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Header, Param, Res, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppError } from '../common/errors/app-error.js';
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
<nav class="docs-links" aria-label="API documents">
<strong>live-chat API</strong>
<a href="/api/docs/openapi.json">OpenAPI (JSON)</a>
<a href="/api/docs/asyncapi.yaml">Socket.IO events (AsyncAPI YAML)</a>
<a href="/">Web client</a>
</nav>
<main id="swagger-ui"></main>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body>
</html>
`;

const DOCS_CSS = `.docs-links{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.25rem;
font-family:system-ui,sans-serif;background:#1b1f24;color:#fff}.docs-links a{color:#9cd1ff}`;

@Controller('docs')
export class DocsController {
  private readonly asyncapi = readFileSync(ASYNCAPI_PATH, 'utf8');
  private readonly version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  private openapi?: string;
  private readonly assets = new Map<string, string>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** The API documentation: Swagger UI over the OpenAPI document, with a link to the AsyncAPI one. */
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

  /** The viewer's files (Swagger UI from the swagger-ui-dist package, and this page's own bits). */
  @Get('assets/:file')
  @Header('cache-control', 'public, max-age=3600')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    if (file === 'init.js') {
      reply.type('text/javascript; charset=utf-8');
      return INIT_SCRIPT;
    }
    if (file === 'docs.css') {
      reply.type('text/css; charset=utf-8');
      return DOCS_CSS;
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
