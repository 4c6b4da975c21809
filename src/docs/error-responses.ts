import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../common/errors/error-catalog.js';

type JsonSchema = Record<string, unknown>;

/** The error body every failing call answers with (src/common/errors). */
const errorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  code: z
    .enum(Object.keys(ERROR_CATALOG) as [ErrorCode, ...ErrorCode[]])
    .describe('stable: clients may branch on it'),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export function errorBodyJsonSchema(): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(errorBodySchema, { io: 'input' });
  return json;
}

// What any call may answer whatever the route: the connection, the request line (a path parameter left
// empty makes a URL no route matches), or the service itself.
const GENERIC_ERRORS: ErrorCode[] = [
  'MALFORMED_REQUEST',
  'ROUTE_NOT_FOUND',
  'URI_TOO_LONG',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
];

/**
 * The responses of a route's codes: one per HTTP status, each the error body with `code` narrowed to the
 * codes of that status and the catalog's message of each; `default` holds the codes any route may answer.
 */
export function errorResponses(codes: ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = errorResponse(list);
  }
  responses.default = errorResponse(GENERIC_ERRORS);
  return responses;
}

function errorResponse(codes: ErrorCode[]): JsonSchema {
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_CATALOG[code].message}`).join('; '),
    content: {
      'application/json': {
        schema: {
          allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: codes } } }],
        },
      },
    },
  };
}
