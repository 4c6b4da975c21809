import type { z } from 'zod';
import { AppError } from '../errors/app-error.js';

/** Validates untrusted input against a zod schema, or throws VALIDATION_FAILED naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  throw new AppError('VALIDATION_FAILED', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}
