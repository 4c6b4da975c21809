/**
 * Values a REST parameter should refuse or survive: text PostgreSQL cannot hold, numbers past every integer
 * type on the way (int4, JavaScript's safe integers, int8, uint64), wrong JSON types, and forged opaque
 * tokens (sync tokens, chat-list cursors) with almost-plausible contents. The fixed lists come first; the
 * seeded draws add variety that a seed reproduces.
 */
import type { Rng } from './prng.js';

export interface Hostile {
  label: string;
  /** A string or a list of strings (a repeated query parameter) for paths and queries; any JSON for bodies. */
  value: unknown;
}

const NUL = '\u0000';
const b64 = (text: string) => Buffer.from(text).toString('base64url');

const NUMBERS_AS_TEXT = [
  '0',
  '-1',
  '1.5',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '9223372036854775808',
  '18446744073709551616',
  '1e309',
  '0x10',
  'NaN',
];

const STRINGS: Hostile[] = [
  ...['', ' ', NUL, `a${NUL}b`, '\ud800', `x\udfff`, '\udc00\ud800', '%00', '%', '%ED%A0%80'].map((v) => ({
    label: JSON.stringify(v),
    value: v,
  })),
  ...['😀', 'e\u0301', '\u202e', '\ufeff', '\u0085', 'İ'].map((v) => ({
    label: `unicode ${JSON.stringify(v)}`,
    value: v,
  })),
  ...NUMBERS_AS_TEXT.map((v) => ({ label: `number text ${v}`, value: v })),
  ...['true', 'null', '[]', '{}', "' OR '1'='1", '../../../etc/passwd', '<script>', 'a|b|c|d'].map((v) => ({
    label: JSON.stringify(v),
    value: v,
  })),
  { label: 'nil uuid', value: '00000000-0000-0000-0000-000000000000' },
  { label: 'max uuid', value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
  { label: 'upper-case uuid', value: 'DEADBEEF-DEAD-4EEF-8EEF-DEADBEEFDEAD' },
  { label: 'uuid with NUL', value: `deadbeef-dead-4eef-8eef-deadbeefdead${NUL}` },
  { label: '101 characters', value: 'x'.repeat(101) },
  { label: '5000 characters', value: 'x'.repeat(5000) },
  { label: '1000 two-byte characters', value: 'é'.repeat(1000) },
  // Forged sync tokens and chat-list cursors.
  ...[
    '5:3:|||',
    '0:0:|||',
    '5:10:11|||',
    '5:10:8,6|||',
    '1:18446744073709551616:|||',
    `1:1:|5:3:|${'deadbeef-dead-4eef-8eef-deadbeefdead'}|1`,
    `1:1:|10:10:|${'deadbeef-dead-4eef-8eef-deadbeefdead'}|9999999999`,
    `1:1:${NUL}|||`,
    '2026-13-45 25:61:61.1234567+99|deadbeef-dead-4eef-8eef-deadbeefdead',
    '2026-02-30 10:00:00+00|------------------------------------',
    '2026-01-01 10:00:00.123456+00|deadbeef-dead-4eef-8eef-deadbeefdead',
    '9999-12-31 23:59:59.999999-15:59:59|deadbeef-dead-4eef-8eef-deadbeefdead',
  ].map((text) => ({ label: `base64url of ${JSON.stringify(text)}`, value: b64(text) })),
];

const JSON_ONLY: Hostile[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64,
  -(2 ** 63),
  1e308,
  [],
  ['x'],
  [null, 1],
  {},
  { a: 1 },
  { $gt: '' },
  deepObject(64),
  { label: '100000 characters', value: 'x'.repeat(100_000) },
].map((v) =>
  v && typeof v === 'object' && 'label' in v ? (v as Hostile) : { label: shortJson(v), value: v },
);

/** Whole request bodies, as raw text. */
export const HOSTILE_BODIES: string[] = [
  'null',
  '[]',
  '"x"',
  '1',
  'true',
  '{}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"a":"\\u0000"}',
  '{"a":"\\ud800"}',
];

// Pieces of random text: separators of the opaque formats, text PostgreSQL refuses, and boundary numbers.
const PIECES = [
  'a',
  'Z',
  '0',
  '9',
  '-',
  '_',
  ':',
  '|',
  ',',
  '.',
  ' ',
  '%',
  '\\',
  '"',
  '/',
  NUL,
  '\ud800',
  '\udfff',
  '😀',
  '\u0301',
  '\u202e',
  '\u3000',
  '\ufeff',
  '\u0085',
  '\u007f',
  'é',
  '2147483648',
  '18446744073709551616',
];

const BOUNDARIES = [
  0n,
  1n,
  2n,
  5n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  2n ** 64n,
];

/** Random text from the pieces, a random snapshot-shaped sync token, or a random cursor. */
export function randomHostileString(rng: Rng): Hostile {
  const kind = rng.pick(['text', 'token', 'cursor'] as const);
  if (kind === 'text') {
    const value = Array.from({ length: rng.between(1, 12) }, () => rng.pick(PIECES)).join('');
    return { label: `random text ${shortJson(value)}`, value };
  }
  if (kind === 'token') {
    const n = () => String(rng.pick(BOUNDARIES) + BigInt(rng.between(-1, 1)));
    const snapshot = () => `${n()}:${n()}:${rng.chance(0.5) ? `${n()},${n()}` : ''}`;
    const text = rng.chance(0.5)
      ? `${snapshot()}|||`
      : `${snapshot()}|${snapshot()}|${rng.uuid4()}|${rng.pick(BOUNDARIES)}`;
    return { label: `random token ${JSON.stringify(text)}`, value: b64(text) };
  }
  const two = (max: number) => String(rng.between(0, max)).padStart(2, '0');
  const time = `${rng.between(0, 9999)}-${two(14)}-${two(40)} ${two(30)}:${two(70)}:${two(70)}.${rng.between(0, 9_999_999)}${rng.pick(['+', '-'])}${two(20)}`;
  const text = `${time}|${rng.chance(0.7) ? rng.uuid4() : rng.hex(36)}`;
  return { label: `random cursor ${JSON.stringify(text)}`, value: b64(text) };
}

/** For a path or query parameter: strings, and the same parameter twice. */
export function hostileTexts(rng: Rng, draws: number): Hostile[] {
  return [
    ...STRINGS,
    { label: 'repeated parameter', value: ['1', '2'] },
    { label: 'repeated parameter with NUL', value: [NUL, 'x'] },
    ...Array.from({ length: draws }, () => randomHostileString(rng)),
  ];
}

/** For a JSON body property: every hostile text, and every JSON type. */
export function hostileJson(rng: Rng, draws: number): Hostile[] {
  return [...STRINGS, ...JSON_ONLY, ...Array.from({ length: draws }, () => randomHostileString(rng))];
}

const NUMBER_SWAPS = [
  '0',
  '00',
  '1',
  '13',
  '24',
  '25',
  '30',
  '45',
  '60',
  '99',
  '2147483648',
  '4294967296',
  '18446744073709551616',
];

function textMutations(valid: string, rng: Rng, draws: number): Hostile[] {
  const middle = Math.ceil(valid.length / 2);
  const insert = (piece: string, at = middle) => valid.slice(0, at) + piece + valid.slice(at);
  const fixed: [string, string][] = [
    ['with NUL appended', `${valid}${NUL}`],
    ['with NUL inside', insert(NUL)],
    ['with a lone high surrogate inside', insert('\ud800')],
    ['with a lone low surrogate appended', `${valid}\udfff`],
    ['with a space inside', insert(' ')],
    ['padded', ` ${valid} `],
    ['with a control character inside', insert('\u0007')],
    ['with an ideographic space inside', insert('\u3000')],
    ['in upper case', valid.toUpperCase()],
    ['twice', `${valid}${valid}`],
    ['cut in half', valid.slice(0, middle)],
    ['repeated to 5000 characters', valid.repeat(Math.ceil(5000 / valid.length)).slice(0, 5000)],
  ];
  const random = Array.from({ length: draws }, (): [string, string] => {
    const at = rng.int(valid.length);
    const piece = rng.pick(PIECES);
    return [`with ${shortJson(piece)} at ${at}`, valid.slice(0, at) + piece + valid.slice(at + 1)];
  });
  return [...fixed, ...random].map(([how, value]) => ({ label: `the valid value ${how}`, value }));
}

/**
 * Near misses of a value that works, which pass the first checks and reach deeper ones: the value with text
 * PostgreSQL cannot hold inserted, padded, cut, grown. An opaque token (base64url of printable text, as the
 * sync token and the chat-list cursor are) is also opened, changed and closed again, each of its numbers
 * swapped for an impossible or oversized one.
 */
export function mutationsOf(valid: unknown, rng: Rng, draws: number): Hostile[] {
  if (typeof valid !== 'string' || valid === '') return [];
  const out = textMutations(valid, rng, draws);
  const decoded = Buffer.from(valid, 'base64url').toString();
  if (Buffer.from(decoded).toString('base64url') === valid && /^[\x20-\x7e]+$/.test(decoded)) {
    for (const h of textMutations(decoded, rng, draws)) {
      out.push({ label: `opened, ${h.label}`, value: b64(h.value as string) });
    }
    for (const run of decoded.matchAll(/\d+/g)) {
      for (let i = 0; i < 2; i++) {
        const swap = rng.pick(NUMBER_SWAPS);
        const text = decoded.slice(0, run.index) + swap + decoded.slice(run.index + run[0].length);
        out.push({ label: `opened, ${JSON.stringify(text)}`, value: b64(text) });
      }
    }
  }
  return out;
}

/**
 * A path segment or query value as percent-encoded UTF-8; a lone surrogate, which UTF-8 cannot encode and
 * encodeURIComponent() refuses, goes as the three bytes a lax encoder would send for it.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

export function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…(${text.length})` : text;
}

function deepObject(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}
