import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { ErrorCode } from '../common/errors/error-catalog.js';

export const API_DOC = Symbol('API_DOC');
export const API_INTERNAL = Symbol('API_INTERNAL');

/** What the OpenAPI document says of one route, beside what it reads from the route itself. */
export interface ApiDocOptions {
  summary: string;
  description?: string;
  /**
   * The success answer: a schema of src/contract/view-schemas.ts, `'file'` for bytes of any type, or
   * nothing for a 204.
   */
  response?: z.ZodType | 'file';
  /** Success statuses when the route answers more than the one @HttpCode (or the method) gives. */
  statuses?: number[];
  /**
   * The codes this route's own rules refuse with. Those of validation, authentication, rate limits and
   * JSON bodies are added from the route's pipes and guards, so they are not repeated here.
   */
  errors?: ErrorCode[];
  /** An OpenAPI request body, for a route that reads its body without a ZodPipe. */
  requestBody?: Record<string, unknown>;
}

export const ApiDoc = (options: ApiDocOptions) => SetMetadata(API_DOC, options);

/** Keeps a controller (or one route) out of the OpenAPI document: probes, metrics and the docs themselves. */
export const ApiInternal = () => SetMetadata(API_INTERNAL, true);
