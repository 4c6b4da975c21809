import { RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { GLOBAL_PREFIX, PREFIX_EXCLUDED } from '../route-prefix.js';

type JsonSchema = Record<string, unknown>;

interface Operation {
  operationId: string;
  tags: string[];
  summary?: string;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  security?: Record<string, string[]>[];
}

// Routes whose input no ZodPipe describes (the upload reads the multipart stream itself).
const REQUEST_BODIES: Record<string, JsonSchema> = {
  'POST /api/media': {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'an image, audio or video file' },
          },
        },
      },
    },
  },
};

const SUMMARIES: Record<string, string> = {
  'POST /api/media': 'Upload a file: 201 `{ id, url, mediaType, contentType, size }`',
  'GET /api/media/{id}': 'The file (bearer token, or a signed link `?exp=&sig=`); supports Range',
  'GET /api/media/{id}/link': 'A signed URL of the file for `<audio>`/`<video>`: `{ url, expiresAt }`',
  'GET /api/sync': 'Every message of your chats committed after `since`: `{ messages, token, hasMore }`',
  'GET /api/docs/asyncapi.yaml': 'The Socket.IO contract (AsyncAPI 3)',
};

/** The error body every failing call answers with (src/common/errors). */
const errorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  code: z.string().describe('stable code from src/common/errors/error-catalog.ts'),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** JSON Schema (2020-12, what OpenAPI 3.1 uses) of what a client sends: the input side of transforms. */
function toSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return json;
}

interface ArgMetadata {
  index: number;
  data?: string;
  pipes?: unknown[];
}

function zodOf(arg: ArgMetadata): z.ZodType | undefined {
  const pipe = arg.pipes?.find((p): p is ZodPipe<z.ZodType> => p instanceof ZodPipe);
  // ZodPipe keeps its schema private to TypeScript; it is a plain property at runtime.
  return pipe ? (pipe as unknown as { schema: z.ZodType }).schema : undefined;
}

function joinPath(...parts: (string | undefined)[]): string {
  const path = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter((p) => p.length > 0)
    .join('/');
  // Nest's `:param` becomes OpenAPI's `{param}`.
  return `/${path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationFor(controller: Type, handler: string, method: string, path: string): Operation {
  const fn = controller.prototype[handler] as object;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<
    string,
    ArgMetadata
  >;
  const guards = [
    ...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[]) ?? []),
    ...((Reflect.getMetadata(GUARDS_METADATA, fn) as unknown[]) ?? []),
  ];
  const parameters: JsonSchema[] = [];
  let requestBody: JsonSchema | undefined;
  const pathParams = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));

  for (const [key, arg] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    const schema = zodOf(arg);
    if (type === RouteParamtypes.BODY && schema) {
      requestBody = { required: true, content: { 'application/json': { schema: toSchema(schema) } } };
    } else if (type === RouteParamtypes.QUERY && schema) {
      const json = toSchema(schema);
      const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((json.required as string[] | undefined) ?? []);
      for (const [name, property] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.has(name), schema: property });
      }
    } else if (type === RouteParamtypes.PARAM && arg.data) {
      pathParams.delete(arg.data);
      parameters.push({
        name: arg.data,
        in: 'path',
        required: true,
        schema: schema ? toSchema(schema) : { type: 'string' },
      });
    }
  }
  for (const name of pathParams) {
    parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }

  const key = `${method.toUpperCase()} ${path}`;
  requestBody ??= REQUEST_BODIES[key];
  const code =
    (Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined) ?? (method === 'post' ? 201 : 200);
  const error = { $ref: '#/components/responses/Error' };
  const responses: Record<string, JsonSchema> = {
    [code]: code === 204 ? { description: 'No content' } : { description: 'Success' },
    ...(requestBody || parameters.length > 0 ? { 400: error } : {}),
    ...(guards.includes(AuthGuard) ? { 401: error } : {}),
    default: error,
  };
  return {
    operationId: `${controller.name.replace(/Controller$/, '')}.${handler}`,
    tags: [controller.name.replace(/Controller$/, '')],
    ...(SUMMARIES[key] ? { summary: SUMMARIES[key] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    ...(guards.includes(AuthGuard) ? { security: [{ bearer: [] }] } : {}),
  };
}

/**
 * The OpenAPI 3.1 document of every route of the given controllers, generated from Nest's route
 * metadata and the zod schemas of their ZodPipes (bodies, query strings, path parameters).
 */
export function buildOpenApi(controllers: Type[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const controller of controllers) {
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
    const prefix = PREFIX_EXCLUDED.includes(base.replace(/^\/+/, '')) ? '' : GLOBAL_PREFIX;
    for (const handler of Object.getOwnPropertyNames(controller.prototype)) {
      const fn = controller.prototype[handler] as object;
      if (handler === 'constructor' || typeof fn !== 'function') continue;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      const subPath = Reflect.getMetadata(PATH_METADATA, fn) as string | undefined;
      if (requestMethod === undefined || subPath === undefined) continue;
      const method = RequestMethod[requestMethod].toLowerCase();
      const path = joinPath(prefix, base, subPath);
      paths[path] ??= {};
      paths[path][method] = operationFor(controller, handler, method, path);
    }
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'REST API of the live-chat service. Realtime events (Socket.IO namespace `/chat`) are described ' +
        'in the [AsyncAPI document](/api/docs/asyncapi.yaml).',
    },
    externalDocs: { description: 'Socket.IO contract (AsyncAPI 3)', url: '/api/docs/asyncapi.yaml' },
    paths: sorted,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toSchema(errorBodySchema) },
      responses: {
        Error: {
          description: 'An error, with a stable `code`',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
}
