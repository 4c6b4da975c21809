/**
 * Random and malformed arguments for the four client events. Every choice comes from one seeded Rng, in
 * a fixed order, and only refers to facts established before fuzzing (users, chats, seed messages), so a
 * seed always produces the same cases.
 */
import type { ClientEvent } from './oracle.js';
import { KNOWN_MEDIA_URLS } from './oracle.js';
import type { Rng } from './prng.js';

export type AckMode =
  /** A function as the last argument. */
  | 'ack'
  /** Extra arguments between the payload and the ack function. */
  | 'ack+extra'
  /** No ack at all: a refusal comes as chat:error. */
  | 'none'
  /** A last argument that is not a function: no ack either. */
  | 'non-function-last';

export interface FuzzCase {
  n: number;
  event: ClientEvent;
  /** The emitted arguments after the event name, without the ack function. */
  args: unknown[];
  ack: AckMode;
  /** Which generator branch made it, for the report. */
  kind: string;
  /** Emit it twice at once (an idempotent retry racing its original). */
  twin: boolean;
}

export interface Pools {
  self: string;
  peer: string;
  stranger: string;
  /** A user with no chat with `self` (one of the pair chatting throughout). */
  outsider: string;
  chatWithPeer: string;
  chatWithSelf: string;
  /** A chat `self` is not a member of. */
  foreignChat: string;
  peerMessages: string[];
  selfMessages: string[];
  foreignMessages: string[];
  /** clientMessageIds `self` stored before fuzzing, with the receiver of each. */
  storedClientIds: { clientMessageId: string; receiverId: string }[];
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?-_:/';
const SPACES = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u000c',
  '\u00a0',
  '\u1680',
  '\u2003',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u3000',
  '\ufeff',
];
const CONTROLS = ['\u0001', '\u0007', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];
const ASTRAL = ['😀', '𝄞', '𠜎', '💩', '🏳️‍🌈'];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
const TRICKY = [
  '\u200b',
  '\u200d',
  '\u202e',
  'e\u0301',
  'ß',
  'İ',
  '\ufffd',
  '\uffff',
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '%00',
  '\\u0000',
  '$' + '{x}',
  '{{x}}',
  '"',
  '\\',
  '/*',
];

const MEDIA_URLS = [...KNOWN_MEDIA_URLS.keys()];

export class PayloadGenerator {
  private counter = 0;

  constructor(
    private readonly rng: Rng,
    private readonly pools: Pools,
  ) {}

  /** A unique, valid-looking clientMessageId stem. */
  private uniq(prefix = 'fz'): string {
    this.counter += 1;
    return `${prefix}${this.counter}-${this.rng.hex(6)}`;
  }

  /**
   * The next case. Packets over the payload limit, with more than 10 binary attachments, or holding
   * Socket.IO's own `_placeholder` marker next to binary are drawn again: each of those ends the connection
   * by protocol, and a dedicated test covers them.
   */
  next(n: number): FuzzCase {
    for (;;) {
      const c = this.draw(n);
      if (withinProtocolLimits(c.args)) return c;
    }
  }

  private draw(n: number): FuzzCase {
    const rng = this.rng;
    const event = rng.weighted<ClientEvent>([
      [55, 'chat:message_send'],
      [14, 'chat:message_read'],
      [12, 'chat:message_delivered'],
      [19, 'chat:typing'],
    ]);
    const ack = rng.weighted<AckMode>([
      [74, 'ack'],
      [8, 'ack+extra'],
      [11, 'none'],
      [7, 'non-function-last'],
    ]);
    const [kind, payload] =
      event === 'chat:message_send'
        ? this.send(ack)
        : event === 'chat:typing'
          ? this.typing()
          : this.receipt();
    const args: unknown[] = [payload];
    if (ack === 'ack+extra' || (ack === 'none' && rng.chance(0.3))) {
      for (let i = rng.between(1, 3); i > 0; i--) args.push(this.anyValue(2));
    }
    if (ack === 'non-function-last') args.push(this.nonFunction());
    // A retry racing its original: only meaningful with a clientMessageId.
    const twin =
      event === 'chat:message_send' &&
      ack === 'ack' &&
      kind === 'send:valid' &&
      typeof (payload as { clientMessageId?: unknown }).clientMessageId === 'string' &&
      rng.chance(0.1);
    return { n, event, args, ack, kind, twin };
  }

  // ---- chat:message_send ----

  private send(ack: AckMode): [string, unknown] {
    const rng = this.rng;
    const whole = rng.weighted<string>([
      [88, 'fields'],
      [4, 'retry'],
      [8, 'not-an-object'],
    ]);
    if (whole === 'not-an-object') return ['send:not-an-object', this.notAnObject(() => this.validSend())];
    if (whole === 'retry' && ack === 'ack' && this.pools.storedClientIds.length > 0) {
      const stored = rng.pick(this.pools.storedClientIds);
      return [
        'send:retry',
        {
          // To its own chat: in another chat the same clientMessageId is another message.
          receiverId: stored.receiverId,
          content: `retry ${this.text(rng.between(1, 30))}`,
          clientMessageId: stored.clientMessageId,
        },
      ];
    }
    const payload: Record<string, unknown> = {};
    const labels: string[] = [];
    const field = (name: string, gen: () => [string, unknown]) => {
      const [label, value] = gen();
      if (label !== 'absent') {
        payload[name] = value;
        if (label !== 'valid') labels.push(`${name}:${label}`);
      } else if (name === 'receiverId' || name === 'content') {
        labels.push(`${name}:absent`);
      }
    };
    field('receiverId', () => this.receiverId());
    field('content', () => this.content());
    field('mediaUrl', () => this.mediaUrl());
    field('LiveMediaType', () => this.liveMediaType());
    field('clientMessageId', () => this.clientMessageId());
    if (rng.chance(0.25)) labels.push(...this.extraKeys(payload));
    return [labels.length === 0 ? 'send:valid' : `send:${labels.join(',')}`, payload];
  }

  private validSend(): Record<string, unknown> {
    return { receiverId: this.pools.peer, content: this.text(20), clientMessageId: this.uniq() };
  }

  private receiverId(): [string, unknown] {
    const { peer, self, stranger } = this.pools;
    const rng = this.rng;
    return rng.weighted<() => [string, unknown]>([
      [56, () => ['valid', peer]],
      [10, () => ['valid', self]],
      [4, () => ['valid', stranger]],
      [4, () => ['upper-case', rng.pick([peer, self]).toUpperCase()]],
      [3, () => ['unknown', rng.uuid4()]],
      [
        2,
        () => [
          'nil-or-max',
          rng.pick(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']),
        ],
      ],
      [2, () => ['non-rfc-hex', `${rng.hex(8)}-${rng.hex(4)}-0${rng.hex(3)}-${rng.hex(4)}-${rng.hex(12)}`]],
      [8, () => ['malformed', this.malformedId(peer)]],
      [5, () => ['wrong-type', this.wrongTypeFor(peer)]],
      [6, () => ['absent', undefined]],
    ])();
  }

  private content(): [string, unknown] {
    const rng = this.rng;
    return rng.weighted<() => [string, unknown]>([
      [34, () => ['valid', this.text(rng.between(1, 120))]],
      [8, () => ['unicode', this.text(rng.between(1, 60), ['astral', 'tricky', 'ascii'])]],
      [4, () => ['lone-surrogate', this.text(rng.between(1, 40), ['surrogate', 'ascii'])]],
      [4, () => ['controls', this.text(rng.between(1, 40), ['control', 'ascii'])]],
      [4, () => ['nul', `${this.text(rng.between(0, 20))}\u0000${this.text(rng.between(0, 20))}`]],
      [5, () => ['blank', this.blank()]],
      [8, () => this.contentAtLimit()],
      [2, () => ['far-too-long', 'x'.repeat(rng.between(5000, 30000))]],
      [11, () => ['absent', undefined]],
      [10, () => ['wrong-type', this.wrongTypeFor('hello')]],
    ])();
  }

  private contentAtLimit(): [string, unknown] {
    const rng = this.rng;
    const target = rng.pick([3999, 4000, 4001, 4002]);
    const unit = rng.weighted<string>([
      [3, 'a'],
      [2, '😀'],
      [1, 'é'],
    ]);
    // `target` code points of `unit`, optionally wrapped in whitespace that trimming removes.
    const body = unit.repeat(target);
    const pad = rng.chance(0.4) ? this.blank(true) : '';
    return [`limit-${target}${unit === 'a' ? '' : `-${unit}`}${pad ? '-padded' : ''}`, `${pad}${body}${pad}`];
  }

  private mediaUrl(): [string, unknown] {
    const rng = this.rng;
    const url = () => rng.pick(MEDIA_URLS);
    return rng.weighted<() => [string, unknown]>([
      [56, () => ['absent', undefined]],
      [5, () => ['null', null]],
      [16, () => ['valid', url()]],
      [4, () => this.urlAtLimit()],
      [3, () => ['padded', `${this.blank(true)}${url()}${rng.chance(0.5) ? this.blank(true) : ''}`]],
      [3, () => ['inner-space', insertAt(rng, url(), rng.pick(SPACES))]],
      [3, () => ['control', insertAt(rng, url(), rng.pick([...CONTROLS, '\u0000']))]],
      [
        2,
        () => ['unicode', `${url()}${this.text(rng.between(1, 8), ['astral', 'tricky'])}`.replace(/\s/g, '')],
      ],
      [1, () => ['lone-surrogate', `${url()}${rng.pick(LONE_SURROGATES)}`]],
      [
        5,
        () => [
          'odd-scheme',
          rng.pick([
            'ftp://x.test/a.mp3',
            'javascript:alert(1)',
            'data:text/html,<b>x</b>',
            'file:///etc/passwd',
            'ws://x.test/a.mp4',
            'HTTPS://X.TEST/UPPER.MP4',
            '//x.test/a.mp4',
            '/relative/a.mp4',
            'x.test/a.mp4',
            'http://',
            'https:x.test/a.mp4',
            '',
            'http://[::1]/a.mp3',
            'http://user:pass@x.test/a.mp3',
            'http://x.test:99999/',
            'https://x.test/%00',
            'https://ex\u00e4mple.test/a.mp4',
          ]),
        ],
      ],
      [2, () => ['wrong-type', this.wrongTypeFor('https://x.test/a.mp4')]],
    ])();
  }

  private urlAtLimit(): [string, unknown] {
    const rng = this.rng;
    const base = 'https://cdn.example.test/';
    const target = rng.pick([2047, 2048, 2049]);
    const astral = rng.chance(0.4);
    // Code points: base + filler. With astral filler, UTF-16 length is about twice the code point count.
    const fillerPoints = target - base.length;
    const filler = astral ? '😀'.repeat(fillerPoints) : 'a'.repeat(fillerPoints);
    return [`limit-${target}${astral ? '-astral' : ''}`, `${base}${filler}`];
  }

  private liveMediaType(): [string, unknown] {
    const rng = this.rng;
    return rng.weighted<() => [string, unknown]>([
      [64, () => ['absent', undefined]],
      [9, () => ['valid', 'VIDEO']],
      [9, () => ['valid', 'AUDIO']],
      [5, () => ['null', null]],
      [8, () => ['bad-value', rng.pick(['video', 'Audio', 'IMAGE', '', ' VIDEO', 'VIDEO\u0000', 'AUDIO '])]],
      [5, () => ['wrong-type', this.wrongTypeFor('VIDEO')]],
    ])();
  }

  private clientMessageId(): [string, unknown] {
    const rng = this.rng;
    return rng.weighted<() => [string, unknown]>([
      [26, () => ['absent', undefined]],
      [40, () => ['valid', this.uniq()]],
      [5, () => ['null', null]],
      [3, () => ['empty', '']],
      [8, () => this.clientIdAtLimit()],
      [3, () => ['nul', `${this.uniq()}\u0000`]],
      [2, () => ['lone-surrogate', `${this.uniq()}${rng.pick(LONE_SURROGATES)}`]],
      [3, () => ['spaces-controls', `${this.uniq()}${rng.pick([...SPACES, ...CONTROLS])}x`]],
      [5, () => ['wrong-type', this.wrongTypeFor('id-1')]],
    ])();
  }

  private clientIdAtLimit(): [string, unknown] {
    const rng = this.rng;
    const stem = this.uniq('L');
    const target = rng.pick([63, 64, 65]);
    const astral = rng.chance(0.5);
    const fill = target - stem.length;
    return [`limit-${target}${astral ? '-astral' : ''}`, `${stem}${(astral ? '😀' : 'x').repeat(fill)}`];
  }

  private extraKeys(payload: Record<string, unknown>): string[] {
    const rng = this.rng;
    const { outsider, foreignChat } = this.pools;
    const labels: string[] = [];
    for (let i = rng.between(1, 3); i > 0; i--) {
      const [key, value] = rng.pick<[string, () => unknown]>([
        ['senderId', () => outsider],
        ['sender', () => ({ id: outsider, name: 'Mallory' })],
        ['id', () => rng.uuid4()],
        ['chatId', () => foreignChat],
        ['seq', () => 1],
        ['createdAt', () => '1970-01-01T00:00:00.000Z'],
        ['mediaType', () => 'VIDEO'],
        ['__proto__', () => ({ receiverId: this.pools.peer, content: 'from the prototype', isAdmin: true })],
        ['constructor', () => ({ prototype: { receiverId: this.pools.peer, isAdmin: true } })],
        ['toString', () => 'not a function'],
        ['hasOwnProperty', () => 1],
        [`k${'\u202e'.repeat(3)}${this.text(5)}`, () => this.anyValue(3)],
        ['x'.repeat(1000), () => 1],
        ['blob', () => Buffer.from(this.text(16))],
        ['deep', () => nest(rng.between(50, 400), rng.chance(0.5) ? 'array' : 'object')],
      ]);
      Object.defineProperty(payload, key, {
        value: value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      labels.push(`extra:${key.length > 20 ? 'long-key' : key}`);
    }
    return labels;
  }

  // ---- chat:message_read / chat:message_delivered ----

  private receipt(): [string, unknown] {
    const rng = this.rng;
    const p = this.pools;
    const ofPeer = () => rng.pick(p.peerMessages);
    const ofSelf = () => rng.pick(p.selfMessages);
    const [label, chatId, messageId] = rng.weighted<() => [string, unknown, unknown]>([
      [28, () => ['valid', p.chatWithPeer, ofPeer()]],
      [12, () => ['valid', p.chatWithSelf, ofSelf()]],
      [5, () => ['upper-case', p.chatWithPeer.toUpperCase(), ofPeer().toUpperCase()]],
      [8, () => ['message-of-another-chat', p.chatWithPeer, ofSelf()]],
      [8, () => ['foreign-chat', p.foreignChat, rng.pick(p.foreignMessages)]],
      [4, () => ['foreign-chat-own-message', p.foreignChat, ofPeer()]],
      [5, () => ['unknown-message', p.chatWithPeer, rng.uuid4()]],
      [5, () => ['unknown-chat', rng.uuid4(), ofPeer()]],
      [
        8,
        () => [
          'malformed',
          rng.chance(0.5) ? this.malformedId(p.chatWithPeer) : p.chatWithPeer,
          this.malformedId(ofPeer()),
        ],
      ],
      [
        8,
        () => [
          'wrong-type',
          this.wrongTypeFor(p.chatWithPeer),
          rng.chance(0.5) ? ofPeer() : this.wrongTypeFor(ofPeer()),
        ],
      ],
      [
        5,
        () => [
          'missing',
          rng.chance(0.5) ? p.chatWithPeer : undefined,
          rng.chance(0.5) ? undefined : ofPeer(),
        ],
      ],
    ])();
    if (rng.chance(0.06)) return ['receipt:not-an-object', this.notAnObject(() => ({ chatId, messageId }))];
    const payload: Record<string, unknown> = {};
    if (chatId !== undefined) payload.chatId = chatId;
    if (messageId !== undefined) payload.messageId = messageId;
    const extra = rng.chance(0.15) ? this.extraKeys(payload) : [];
    return [`receipt:${[label, ...extra].join(',')}`, payload];
  }

  // ---- chat:typing ----

  private typing(): [string, unknown] {
    const rng = this.rng;
    const p = this.pools;
    const [label, target] = rng.weighted<() => [string, Record<string, unknown>]>([
      [30, () => ['chat', { chatId: p.chatWithPeer }]],
      [8, () => ['self-chat', { chatId: p.chatWithSelf }]],
      [20, () => ['receiver', { receiverId: p.peer }]],
      [5, () => ['receiver-self', { receiverId: p.self }]],
      [3, () => ['upper-case-chat', { chatId: p.chatWithPeer.toUpperCase() }]],
      [3, () => ['upper-case-receiver', { receiverId: p.peer.toUpperCase() }]],
      [5, () => ['foreign-chat', { chatId: p.foreignChat }]],
      // (Never the stranger: fuzzed sends may create that chat at any moment.)
      [4, () => ['receiver-without-chat', { receiverId: p.outsider }]],
      [3, () => ['unknown', rng.chance(0.5) ? { chatId: rng.uuid4() } : { receiverId: rng.uuid4() }]],
      [5, () => ['both', { chatId: p.chatWithPeer, receiverId: p.peer }]],
      [5, () => ['neither', {}]],
      [
        3,
        () => [
          'null-target',
          rng.chance(0.5) ? { chatId: null } : { receiverId: null, chatId: p.chatWithPeer },
        ],
      ],
      [
        6,
        () => [
          'malformed',
          rng.chance(0.5)
            ? { chatId: this.malformedId(p.chatWithPeer) }
            : { receiverId: this.malformedId(p.peer) },
        ],
      ],
      [
        4,
        () => [
          'wrong-type',
          rng.chance(0.5)
            ? { chatId: this.wrongTypeFor(p.chatWithPeer) }
            : { receiverId: this.wrongTypeFor(p.peer) },
        ],
      ],
    ])();
    const [typingLabel, isTyping] = rng.weighted<() => [string, unknown]>([
      [82, () => ['', rng.chance(0.5)]],
      [6, () => ['isTyping:absent', undefined]],
      [
        12,
        () => [
          'isTyping:wrong-type',
          rng.pick<unknown>(['true', 1, 0, null, [], {}, 'false', Buffer.from([1])]),
        ],
      ],
    ])();
    const payload: Record<string, unknown> = { ...target };
    if (isTyping !== undefined) payload.isTyping = isTyping;
    if (rng.chance(0.06)) return ['typing:not-an-object', this.notAnObject(() => payload)];
    const extra = rng.chance(0.1) ? this.extraKeys(payload) : [];
    return [`typing:${[label, typingLabel, ...extra].filter(Boolean).join(',')}`, payload];
  }

  // ---- shared value makers ----

  private text(length: number, classes: string[] = ['ascii']): string {
    const rng = this.rng;
    let out = '';
    for (let i = 0; i < length; i++) {
      switch (rng.pick(classes)) {
        case 'astral':
          out += rng.pick(ASTRAL);
          break;
        case 'tricky':
          out += rng.pick(TRICKY);
          break;
        case 'surrogate':
          out += rng.pick(LONE_SURROGATES);
          break;
        case 'control':
          out += rng.pick(CONTROLS);
          break;
        case 'space':
          out += rng.pick(SPACES);
          break;
        default:
          out += ASCII[rng.int(ASCII.length)];
      }
    }
    return out;
  }

  /** Whitespace only ("" included unless `nonEmpty`). */
  private blank(nonEmpty = false): string {
    const length = this.rng.between(nonEmpty ? 1 : 0, 12);
    return this.text(length, ['space']);
  }

  private malformedId(id: string): string {
    const rng = this.rng;
    return rng.pick([
      `${id}x`,
      id.slice(0, -1),
      id.replaceAll('-', ''),
      `{${id}}`,
      ` ${id}`,
      `${id}\n`,
      `urn:uuid:${id}`,
      id.replace(/[0-9]/, '\u0660'),
      id.replace(/[a-f]/, '\uff41'),
      `${id.slice(0, 8)}_${id.slice(9)}`,
      `${id.slice(0, 35)}g`,
      `${id}\u0000`,
      '',
      `${id},${id}`,
      `${id}' OR '1'='1`,
    ]);
  }

  private wrongTypeFor(valid: string): unknown {
    const rng = this.rng;
    return rng.pick<() => unknown>([
      () => null,
      () => 0,
      () => -1,
      () => 1.5,
      () => 1e308,
      () => Number.NaN,
      () => Number.POSITIVE_INFINITY,
      () => true,
      () => false,
      () => [],
      () => [valid],
      () => ({}),
      () => ({ value: valid }),
      () => ({ toString: valid }),
      () => Buffer.from(valid),
      () => new Uint8Array([0, 255, 128]),
      () => nest(rng.between(10, 300), 'array'),
      () => nest(rng.between(10, 300), 'object'),
    ])();
  }

  private notAnObject(valid: () => unknown): unknown {
    const rng = this.rng;
    return rng.pick<() => unknown>([
      () => 'a string',
      () => JSON.stringify(valid()),
      () => 42,
      () => true,
      () => null,
      () => undefined,
      () => [],
      () => [valid()],
      () => Buffer.from(JSON.stringify(valid())),
      () => nest(rng.between(100, 1500), 'array'),
    ])();
  }

  anyValue(depth: number): unknown {
    const rng = this.rng;
    const leaf = () =>
      rng.pick<() => unknown>([
        () => null,
        () => undefined,
        () => rng.int(1000),
        () => -0,
        () => Number.NaN,
        () => this.text(rng.between(0, 20), ['ascii', 'tricky', 'astral', 'surrogate']),
        () => rng.chance(0.5),
        () => Buffer.from(this.text(rng.between(0, 64))),
      ])();
    if (depth <= 0 || rng.chance(0.5)) return leaf();
    if (rng.chance(0.5)) return Array.from({ length: rng.between(0, 4) }, () => this.anyValue(depth - 1));
    const out: Record<string, unknown> = {};
    for (let i = rng.between(0, 4); i > 0; i--) {
      const key = rng.pick(['a', 'b', '__proto__', 'constructor', 'prototype', this.text(3)]);
      Object.defineProperty(out, key, {
        value: this.anyValue(depth - 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  private nonFunction(): unknown {
    return this.rng.pick<unknown>([42, 'callback', {}, null, [], true, Buffer.from('ack')]);
  }
}

const MAX_PACKET_BYTES = 60_000;
const MAX_ATTACHMENTS = 10;

function withinProtocolLimits(args: unknown[]): boolean {
  let buffers = 0;
  let bufferBytes = 0;
  const json = JSON.stringify(args, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      buffers += 1;
      bufferBytes = Math.max(bufferBytes, value.byteLength);
      return { _placeholder: true, num: buffers };
    }
    // Buffer.toJSON runs before the replacer sees it.
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      buffers += 1;
      return { _placeholder: true, num: buffers };
    }
    return value;
  });
  return (
    buffers <= MAX_ATTACHMENTS && bufferBytes < MAX_PACKET_BYTES && Buffer.byteLength(json) < MAX_PACKET_BYTES
  );
}

function insertAt(rng: Rng, s: string, piece: string): string {
  const at = rng.between(8, s.length);
  return `${s.slice(0, at)}${piece}${s.slice(at)}`;
}

/** `depth` levels of nesting: [[[...]]] or {"a":{"a":...}}. */
export function nest(depth: number, shape: 'array' | 'object'): unknown {
  let value: unknown = shape === 'array' ? [] : {};
  for (let i = 0; i < depth; i++) value = shape === 'array' ? [value] : { a: value };
  return value;
}
