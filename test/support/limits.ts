/** Every per-user and per-IP rate limit lifted: what a test suite needs, unless it tests a limit. */
export const UNLIMITED: Record<string, string> = Object.fromEntries(
  ['AUTH', 'MESSAGE', 'RECEIPT', 'TYPING', 'SYNC', 'HISTORY', 'SEARCH', 'UPLOAD', 'API'].map((name) => [
    `${name}_RATE_LIMIT`,
    '1000000',
  ]),
);
