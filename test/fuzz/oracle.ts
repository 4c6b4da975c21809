/**
 * An independent oracle for the client events of namespace `/chat`, written from the documented rules
 * (README "Rules of chat:message_send" and docs/asyncapi.yaml), not from the server's zod schemas.
 * Given what the server receives (the payload after the Socket.IO wire) and what exists (users, chats,
 * messages), it says whether the event must be accepted, and if not, which error codes are acceptable.
 *
 * Conventions taken from the documents:
 * - "characters" are Unicode code points (JSON Schema's `maxLength`, and the content rule's counting);
 * - `Uuid` is the asyncapi pattern (8-4-4-4-12 hex, either case); ids compare without regard to case;
 * - unknown keys are ignored (MessageSend says so; Receipt and TypingIn allow additional properties);
 * - NUL and lone surrogates are refused in every text the service stores (content, mediaUrl,
 *   clientMessageId): README says so of content ("NUL characters and lone surrogates (text that is not
 *   well-formed Unicode) are refused"); PostgreSQL text can hold neither, so the rule cannot be narrower;
 * - a mediaUrl may hold no space (any Unicode white space) or control character (Unicode Cc) at all,
 *   anywhere: README "without spaces or control characters (a padded URL is refused, not trimmed)".
 */

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'USER_NOT_FOUND'
  | 'CHAT_NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'RATE_LIMITED';

export const MAX_CONTENT = 4000;
export const MAX_MEDIA_URL = 2048;
export const MAX_CLIENT_MESSAGE_ID = 64;

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// RFC 9562 layout (version 1-8, variant 10xx), or the nil and max uuids. A hex id outside it names nothing
// that exists (every id the service makes is a version 7 uuid), so refusing it as malformed is also fine.
const RFC_UUID =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

/** What exists, from the fuzzing user's point of view. Only ever grows with facts known before fuzzing. */
export interface World {
  /** The fuzzing user: the sender of every event. */
  self: string;
  /** Every user id that exists (lower case). */
  users: Set<string>;
  /** chatId -> member ids, for every chat the oracle may be asked about (lower case). */
  chats: Map<string, Set<string>>;
  /** peer id -> id of the direct chat between `self` and that peer (lower case). */
  directWith: Map<string, string>;
  /** messageId -> chatId (lower case). */
  messages: Map<string, string>;
  /** clientMessageId already stored for `self` (each in one chat only) -> the id of that original message. */
  clientIds: Map<string, string>;
}

export interface ExpectedMessage {
  receiverId: string;
  /** The chat it lands in, when the oracle knows it (the direct chat with that receiver). */
  chatId?: string;
  content: string;
  mediaUrl: string | null;
  /** undefined: not predicted (an inferred type for a URL the oracle has no table entry for). */
  mediaType?: 'VIDEO' | 'AUDIO' | null;
  clientMessageId: string | null;
  /** A retry of a stored clientMessageId: acked with this original message, nothing new stored. */
  duplicateOf?: string;
}

export type Verdict<T = undefined> =
  | { accept: true; expect: T }
  | { accept: false; codes: ErrorCode[]; rule: string };

const refuse = (
  rule: string,
  ...codes: ErrorCode[]
): { accept: false; codes: ErrorCode[]; rule: string } => ({
  accept: false,
  codes: codes.length > 0 ? codes : ['VALIDATION_FAILED'],
  rule,
});

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function has(o: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== undefined;
}

function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID_PATTERN.test(v);
}

/** Codes for a well-formed id that names nothing (or nothing of yours). */
function notFound(id: string, code: ErrorCode): ErrorCode[] {
  return RFC_UUID.test(id) ? [code] : [code, 'VALIDATION_FAILED'];
}

const MEDIA_TYPES = new Set(['VIDEO', 'AUDIO']);

/**
 * Media type inference for the URLs the generator uses, from the README's list
 * (`.mp4 .m4v .mov .mkv .avi .ogv` and YouTube, Vimeo, Dailymotion, Twitch: VIDEO; `.mp3 .m4a .aac .wav
 * .flac .oga .opus` and SoundCloud: AUDIO; anything else, `.webm` and `.ogg` included: null).
 */
export const KNOWN_MEDIA_URLS: ReadonlyMap<string, 'VIDEO' | 'AUDIO' | null> = new Map([
  ['https://www.youtube.com/watch?v=XOgZo66gKQA&list=RDXOgZo66gKQA&start_radio=1', 'VIDEO'],
  ['https://vimeo.com/76979871', 'VIDEO'],
  ['https://cdn.example.test/clip.mp4', 'VIDEO'],
  ['http://cdn.example.test/a/b/movie.MKV', 'VIDEO'],
  ['https://media.example.test/talk.ogv', 'VIDEO'],
  ['https://soundcloud.com/artist/track', 'AUDIO'],
  ['https://cdn.example.test/song.mp3', 'AUDIO'],
  ['https://cdn.example.test/voice.opus', 'AUDIO'],
  ['https://cdn.example.test/either.webm', null],
  ['https://cdn.example.test/either.ogg', null],
  ['https://example.test/page.html', null],
  ['http://example.test/', null],
]);

/** `chat:message_send`: exactly one of receiverId (a user) and chatId (a chat of the sender's). */
export function sendVerdict(world: World, payload: unknown): Verdict<ExpectedMessage> {
  if (!isPlainObject(payload)) return refuse('payload is not an object');
  const { receiverId, chatId, content, mediaUrl, LiveMediaType, clientMessageId } = payload;

  const byChat = has(payload, 'chatId');
  if (byChat === has(payload, 'receiverId')) return refuse('not exactly one of chatId and receiverId');
  if (byChat && !isUuid(chatId)) return refuse('chatId is not a uuid');
  if (!byChat && !isUuid(receiverId)) return refuse('receiverId is not a uuid');
  if (content !== undefined) {
    if (typeof content !== 'string') return refuse('content is not a string');
    if (content.includes('\u0000')) return refuse('content holds NUL');
    if (!content.isWellFormed()) return refuse('content holds a lone surrogate');
  }
  const media = mediaUrl === undefined || mediaUrl === null ? null : mediaUrl;
  if (media !== null) {
    if (typeof media !== 'string') return refuse('mediaUrl is not a string');
    if (/[\s\p{Cc}]/u.test(media)) return refuse('mediaUrl holds a space or control character');
    if (!media.isWellFormed()) return refuse('mediaUrl holds a lone surrogate');
    if (codePoints(media) > MAX_MEDIA_URL) return refuse('mediaUrl is too long');
    const url = URL.canParse(media) ? new URL(media) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      return refuse('mediaUrl is not http(s)');
  }
  if (LiveMediaType !== undefined && LiveMediaType !== null && !MEDIA_TYPES.has(LiveMediaType as string))
    return refuse('LiveMediaType is not VIDEO or AUDIO');
  if (clientMessageId !== undefined && clientMessageId !== null) {
    if (typeof clientMessageId !== 'string') return refuse('clientMessageId is not a string');
    const n = codePoints(clientMessageId);
    if (n < 1 || n > MAX_CLIENT_MESSAGE_ID) return refuse('clientMessageId length');
    if (clientMessageId.includes('\u0000')) return refuse('clientMessageId holds NUL');
    if (!clientMessageId.isWellFormed()) return refuse('clientMessageId holds a lone surrogate');
  }
  const text = typeof content === 'string' ? content.trim() : '';
  if (text.length === 0 && media === null) return refuse('no content and no mediaUrl');
  if (codePoints(text) > MAX_CONTENT) return refuse('content is too long');
  if (LiveMediaType !== undefined && LiveMediaType !== null && media === null)
    return refuse('LiveMediaType without mediaUrl');

  const target = byChat ? chatTarget(world, chatId as string) : userTarget(world, receiverId as string);
  if (!target.accept) return target;
  const { receiver } = target.expect;

  const cmid = typeof clientMessageId === 'string' ? clientMessageId : null;
  const original = cmid === null ? undefined : world.clientIds.get(cmid);
  return {
    accept: true,
    expect: {
      receiverId: receiver,
      chatId: target.expect.chatId,
      content: text,
      mediaUrl: media === null ? null : (media as string),
      mediaType:
        media === null
          ? null
          : typeof LiveMediaType === 'string'
            ? (LiveMediaType as 'VIDEO' | 'AUDIO')
            : KNOWN_MEDIA_URLS.get(media as string),
      clientMessageId: cmid,
      ...(original ? { duplicateOf: original } : {}),
    },
  };
}

function userTarget(world: World, receiverId: string): Verdict<{ receiver: string; chatId?: string }> {
  const receiver = receiverId.toLowerCase();
  if (!world.users.has(receiver))
    return refuse('unknown receiver', ...notFound(receiverId, 'USER_NOT_FOUND'));
  return { accept: true, expect: { receiver, chatId: world.directWith.get(receiver) } };
}

// A chat by id: one of the sender's; the receiver is its other member (the sender, in a chat with oneself).
function chatTarget(world: World, chatId: string): Verdict<{ receiver: string; chatId?: string }> {
  const members = world.chats.get(chatId.toLowerCase());
  if (!members?.has(world.self)) return refuse('not a chat of yours', ...notFound(chatId, 'CHAT_NOT_FOUND'));
  const receiver = [...members].find((id) => id !== world.self) ?? world.self;
  return { accept: true, expect: { receiver, chatId: chatId.toLowerCase() } };
}

/** `chat:message_read` and `chat:message_delivered` (the Receipt schema). */
export function receiptVerdict(
  world: World,
  payload: unknown,
): Verdict<{ chatId: string; messageId: string }> {
  if (!isPlainObject(payload)) return refuse('payload is not an object');
  const { chatId, messageId } = payload;
  if (!isUuid(chatId)) return refuse('chatId is not a uuid');
  if (!isUuid(messageId)) return refuse('messageId is not a uuid');
  const chat = world.chats.get(chatId.toLowerCase());
  if (!chat?.has(world.self)) return refuse('not a chat of yours', ...notFound(chatId, 'CHAT_NOT_FOUND'));
  if (world.messages.get(messageId.toLowerCase()) !== chatId.toLowerCase())
    return refuse('no such message in this chat', ...notFound(messageId, 'MESSAGE_NOT_FOUND'));
  return { accept: true, expect: { chatId: chatId.toLowerCase(), messageId: messageId.toLowerCase() } };
}

/** `chat:typing` (the TypingIn schema: exactly one of chatId and receiverId, and a boolean isTyping). */
export function typingVerdict(world: World, payload: unknown): Verdict {
  if (!isPlainObject(payload)) return refuse('payload is not an object');
  if (typeof payload.isTyping !== 'boolean') return refuse('isTyping is not a boolean');
  const byChat = has(payload, 'chatId');
  const byReceiver = has(payload, 'receiverId');
  if (byChat === byReceiver) return refuse('not exactly one of chatId and receiverId');
  if (byChat) {
    const { chatId } = payload;
    if (!isUuid(chatId)) return refuse('chatId is not a uuid');
    if (!world.chats.get(chatId.toLowerCase())?.has(world.self))
      return refuse('not a chat of yours', ...notFound(chatId, 'CHAT_NOT_FOUND'));
  } else {
    const { receiverId } = payload;
    if (!isUuid(receiverId)) return refuse('receiverId is not a uuid');
    // Typing never creates a chat: the direct chat with that user must exist.
    if (!world.directWith.has(receiverId.toLowerCase()))
      return refuse('no chat with this user', ...notFound(receiverId, 'CHAT_NOT_FOUND'));
  }
  return { accept: true, expect: undefined };
}

export const CLIENT_EVENTS = [
  'chat:message_send',
  'chat:message_read',
  'chat:message_delivered',
  'chat:typing',
] as const;
export type ClientEvent = (typeof CLIENT_EVENTS)[number];

export function verdictFor(world: World, event: ClientEvent, payload: unknown): Verdict<unknown> {
  switch (event) {
    case 'chat:message_send':
      return sendVerdict(world, payload);
    case 'chat:message_read':
    case 'chat:message_delivered':
      return receiptVerdict(world, payload);
    case 'chat:typing':
      return typingVerdict(world, payload);
  }
}

/**
 * What the server receives for the arguments a client emits: JSON, except that binary (Buffer, typed
 * arrays) travels as attachments and comes back as a Buffer. undefined keys vanish, undefined array items
 * and non-finite numbers become null, -0 becomes 0. In a packet with binary, socket.io-client copies the
 * data into fresh objects by assignment, so an own `__proto__` key does not survive it.
 */
export function wireArgs(args: readonly unknown[]): unknown[] {
  const binary = args.some(hasBinary);
  return args.map((arg) => wireValue(arg, binary) ?? null);
}

function hasBinary(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  return Object.values(value).some(hasBinary);
}

function wireValue(value: unknown, binaryPacket: boolean): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (Array.isArray(value)) return value.map((v) => wireValue(v, binaryPacket) ?? null);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__' && binaryPacket) continue;
    const v = wireValue((value as Record<string, unknown>)[key], binaryPacket);
    // An own "__proto__" key stays an own key, as JSON.parse makes it on the server.
    if (v !== undefined)
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
