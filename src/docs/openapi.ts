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
import { IpRateLimitGuard } from '../auth/ip-rate-limit.guard.js';
import type { ErrorCode } from '../common/errors/error-catalog.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { viewRegistry } from '../contract/view-schemas.js';
import { GLOBAL_PREFIX, PREFIX_EXCLUDED } from '../route-prefix.js';
import { API_DOC, API_INTERNAL, type ApiDocOptions } from './api-doc.decorator.js';
import { errorBodyJsonSchema, errorResponses } from './error-responses.js';

type JsonSchema = Record<string, unknown>;

interface Operation {
  operationId: string;
  tags: string[];
  summary?: string;
  description?: string;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  security?: Record<string, string[]>[];
}

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

  const doc = Reflect.getMetadata(API_DOC, fn) as ApiDocOptions | undefined;
  requestBody ??= doc?.requestBody;
  const authenticated = guards.includes(AuthGuard);
  const errors: ErrorCode[] = [
    ...(Object.values(args).some((arg) => zodOf(arg)) ? (['VALIDATION_FAILED'] as const) : []),
    ...(hasJsonBody(requestBody) ? JSON_BODY_ERRORS : []),
    ...(authenticated ? (['UNAUTHORIZED'] as const) : []),
    ...(authenticated || guards.includes(IpRateLimitGuard) ? (['RATE_LIMITED'] as const) : []),
    ...(doc?.errors ?? []),
  ];
  const code =
    (Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined) ?? (method === 'post' ? 201 : 200);
  const responses: Record<string, JsonSchema> = {};
  for (const status of doc?.statuses ?? [code]) responses[status] = successResponse(status, doc?.response);
  Object.assign(responses, errorResponses(errors));
  return {
    operationId: `${controller.name.replace(/Controller$/, '')}.${handler}`,
    tags: [controller.name.replace(/Controller$/, '')],
    ...(doc ? { summary: doc.summary } : {}),
    ...(doc?.description ? { description: doc.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    ...(authenticated ? { security: [{ bearer: [] }] } : {}),
  };
}

// Fastify refuses these before the route runs: unparsable JSON, a body over its limit, another content type.
const JSON_BODY_ERRORS: ErrorCode[] = ['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

function hasJsonBody(requestBody: JsonSchema | undefined): boolean {
  return Boolean((requestBody?.content as Record<string, unknown> | undefined)?.['application/json']);
}

function successResponse(status: number, response: ApiDocOptions['response']): JsonSchema {
  if (status === 304) return { description: 'Not modified (If-None-Match)' };
  if (status === 204 || response === undefined) return { description: 'No content' };
  if (response === 'file') {
    return {
      description: 'The bytes of the file, with its content type',
      content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
    };
  }
  const id = viewRegistry.get(response)?.id;
  if (!id) throw new Error('An @ApiDoc response must be a schema of src/contract/view-schemas.ts');
  return {
    description: id,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } },
  };
}

/** Every schema of view-schemas.ts under its name, referring to each other by `$ref`. */
function viewSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(viewRegistry, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function isInternal(controller: Type, fn: object): boolean {
  return Boolean(Reflect.getMetadata(API_INTERNAL, controller) || Reflect.getMetadata(API_INTERNAL, fn));
}

/**
 * The OpenAPI 3.1 document of every route of the given controllers but the @ApiInternal ones, generated from
 * Nest's route metadata, the zod schemas of their ZodPipes (bodies, query strings, path parameters) and
 * each route's @ApiDoc (summary, answer, the codes its own rules refuse with).
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
      if (requestMethod === undefined || subPath === undefined || isInternal(controller, fn)) continue;
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
        'on the [events page](/api/docs/events) ([AsyncAPI 3 YAML](/api/docs/asyncapi.yaml)). Every ' +
        'error answers `{ statusCode, error, message, code }`; each operation lists the codes it may answer.',
    },
    externalDocs: { description: 'Socket.IO events (AsyncAPI 3)', url: '/api/docs/events' },
    paths: sorted,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { ...viewSchemas(), Error: errorBodyJsonSchema() },
    },
  };
}
