import { z } from 'zod';
import { storableText } from './fields.js';

// White space and control characters of any script (NUL, DEL, C1 controls, U+3000, U+FEFF…) have no place in a
// URL a client will load.
export const hasWhitespaceOrControl = (v: string) => /[\s\p{Cc}]/u.test(v);

/**
 * An absolute http(s) URL, stored in the normalized form the WHATWG URL parser gives (`url.href`: scheme and
 * host in lower case, IDN hosts in punycode, the rest percent-encoded, so pure ASCII). White space is refused
 * rather than encoded: a URL with a space in it is a pasting mistake more often than a real path.
 * Credentials are refused: a client would show them to everyone who sees the URL.
 */
export const normalizedHttpUrl = (maxChars: number) =>
  storableText()
    .max(maxChars)
    .transform((value, ctx) => {
      const url = !hasWhitespaceOrControl(value) && URL.canParse(value) ? new URL(value) : null;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL without spaces' });
        return z.NEVER;
      }
      if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
        return z.NEVER;
      }
      if (url.href.length > maxChars) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${maxChars} characters once normalized` });
        return z.NEVER;
      }
      return url.href;
    })
    .meta({ format: 'uri' });
