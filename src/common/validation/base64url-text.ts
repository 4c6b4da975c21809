/**
 * The text an opaque token (a sync token, a chat-list cursor) encodes, or null when the token is not exactly
 * the base64url of some UTF-8 text. Node's decoder skips padding, white space and other characters outside
 * the alphabet and replaces bytes that are not UTF-8, so a lax token would be read as if it were another.
 */
export function decodeBase64urlText(token: string): string | null {
  const text = Buffer.from(token, 'base64url').toString();
  return Buffer.from(text).toString('base64url') === token ? text : null;
}
