import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Header } from '@nestjs/common';

// src/docs and dist/docs are both two levels below the project root.
export const ASYNCAPI_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'docs',
  'asyncapi.yaml',
);

@Controller('docs')
export class DocsController {
  private readonly asyncapi = readFileSync(ASYNCAPI_PATH, 'utf8');

  /** The Socket.IO contract: every event, both directions, with payloads and errors. */
  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  asyncApi(): string {
    return this.asyncapi;
  }
}
