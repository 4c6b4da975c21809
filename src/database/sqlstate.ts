/** The PostgreSQL error codes (SQLSTATE) the service reacts to. */
export const SQLSTATE = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  CHECK_VIOLATION: '23514',
  DEADLOCK: '40P01',
  INVALID_STATEMENT_NAME: '26000',
} as const;

/** The SQLSTATE of a failed query: drizzle wraps driver errors, so it is on the error or its cause. */
export function sqlState(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 3; depth++, e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/** The constraint a failed query named, when PostgreSQL said (triggers name theirs too). */
export function violatedConstraint(error: unknown): string | undefined {
  let e = error as { constraint?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 3; depth++, e = e.cause as typeof e) {
    if (typeof e.constraint === 'string') return e.constraint;
  }
  return undefined;
}
