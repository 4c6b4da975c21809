import type { z } from 'zod';
import { AppError } from '../errors/app-error.js';

/**
 * Validates untrusted input against a zod schema, or throws VALIDATION_FAILED naming each bad field;
 * `root` names the input itself (a path parameter's name; the body by default).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = '(body)'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || root,
    message: issue.message,
  }));
  throw new AppError('VALIDATION_FAILED', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}
