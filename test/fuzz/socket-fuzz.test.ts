/**
 * Fuzzes the running service's Socket.IO events with thousands of random and malformed payloads, decided
 * by an independent oracle (./oracle.ts), while a real pair of users keeps chatting. Reproduce a run with
 * FUZZ_SEED=<seed> (printed); FUZZ_CASES sets the number of generated cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, closeAll, connect, sendOk, settle } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  CLIENT_EVENTS,
  type ExpectedMessage,
  isPlainObject,
  type Verdict,
  verdictFor,
  type World,
  wireArgs,
} from './oracle.js';
import { type FuzzCase, PayloadGenerator, type Pools } from './payloads.js';
import { fuzzSeed, Rng } from './prng.js';
import { type Frame, RawClient } from './raw-client.js';

const SEED = fuzzSeed(20_251_123);
const CASES = Number(process.env.FUZZ_CASES ?? 6000);
const CHUNK = 200;
const IN_FLIGHT = Number(process.env.FUZZ_IN_FLIGHT ?? 16);
// Safety nets, not speed goals.
const ACK_WAIT_MS = 10_000;
const SETTLE_WAIT_MS = 10_000;

interface Mismatch {
  n: number;
  event: string;
  kind: string;
  ack: string;
  problem: string;
  payload: string;
}

const stats = {
  seed: SEED,
  payloadsTried: 0,
  acceptedByServer: 0,
  refusedByServer: 0,
  rateLimited: 0,
  oracleMismatches: 0,
  oversizeTried: 0,
  rawFramesTried: 0,
  crashes: 0,
  rowsWrittenByRefused: 0,
  ackedButNotStored: 0,
  pairExchanges: 0,
};

let app: TestApp;
let http: HttpClient;
let fuzzer: TestUser;
let peer: TestUser;
let stranger: TestUser;
let pairA: TestUser;
let pairB: TestUser;
let oversizer: TestUser;
let rawUsers: TestUser[];
const open: ClientSocket[] = [];
let sa: ClientSocket;
let sb: ClientSocket;
let received: Map<ClientSocket, Received>;

/** Every chat:message_receive of a socket, by id, with waits for particular ids. */
class Received {
  readonly byId = new Map<string, MessageView>();
  private waiters: { ids: string[]; resolve: () => void }[] = [];

  constructor(socket: ClientSocket) {
    socket.on('chat:message_receive', (message) => {
      this.byId.set(message.id, message);
      const done = this.waiters.filter((w) => w.ids.every((id) => this.byId.has(id)));
      this.waiters = this.waiters.filter((w) => !done.includes(w));
      for (const w of done) w.resolve();
    });
  }

  waitFor(ids: string[], ms = SETTLE_WAIT_MS): Promise<void> {
    if (ids.every((id) => this.byId.has(id))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`never received ${ids.filter((id) => !this.byId.has(id)).length} of ${ids.length}`),
          ),
        ms,
      );
      this.waiters.push({
        ids,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

type Emitter = {
  emit(event: string, ...args: unknown[]): unknown;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
};
const untyped = (socket: ClientSocket) => socket as unknown as Emitter;
const withTimeout = (socket: ClientSocket, ms: number) => socket.timeout(ms) as unknown as Emitter;

async function online(user: TestUser): Promise<ClientSocket> {
  const socket = await connect(app.baseUrl, { token: user.accessToken });
  open.push(socket);
  return socket;
}

/** Every message `user` sent that the service stored, over the REST API (as any client would read them). */
async function storedMessagesOf(user: TestUser): Promise<MessageView[]> {
  const out: MessageView[] = [];
  let chatCursor: string | null = null;
  do {
    const chats: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } =
      await http.get(
        `/api/chats?limit=100${chatCursor ? `&before=${encodeURIComponent(chatCursor)}` : ''}`,
        user.accessToken,
      );
    expect(chats.status).toBe(200);
    for (const chat of chats.body.items) {
      let before: string | null = null;
      do {
        const page: { status: number; body: { items: MessageView[]; nextCursor: string | null } } =
          await http.get(
            `/api/chats/${chat.id}/messages?limit=100${before ? `&before=${before}` : ''}`,
            user.accessToken,
          );
        expect(page.status).toBe(200);
        out.push(...page.body.items.filter((m) => m.sender.id === user.id));
        before = page.body.nextCursor;
      } while (before);
    }
    chatCursor = chats.body.nextCursor;
  } while (chatCursor);
  return out;
}

/** The service answers, and the pair of real users still exchanges messages both ways. */
async function checkpoint(label: string): Promise<void> {
  const health = await http.get('/api/health').catch(() => ({ status: 0 }));
  if (health.status !== 200) stats.crashes += 1;
  expect(health.status, `health at ${label}`).toBe(200);
  const ab = await sendOk(sa, { receiverId: pairB.id, content: `ping ${label}` });
  const ba = await sendOk(sb, { receiverId: pairA.id, content: `pong ${label}` });
  await received.get(sb)!.waitFor([ab.id, ba.id]);
  await received.get(sa)!.waitFor([ab.id, ba.id]);
  stats.pairExchanges += 1;
}

beforeAll(async () => {
  console.log(`socket fuzz: FUZZ_SEED=${SEED} FUZZ_CASES=${CASES}`);
  app = await startTestApp({ env: { MESSAGE_RATE_LIMIT: '100000', TYPING_RATE_LIMIT: '100000' } });
  http = new HttpClient(app.baseUrl);
  [fuzzer, peer, stranger, pairA, pairB, oversizer] = (await Promise.all(
    ['Fuzzer', 'Peer', 'Stranger', 'Alice', 'Bob', 'Oversize'].map((name) => createUser(http, { name })),
  )) as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
  rawUsers = await Promise.all([1, 2, 3].map((i) => createUser(http, { name: `Raw ${i}` })));
  [sa, sb] = [await online(pairA), await online(pairB)];
  received = new Map([
    [sa, new Received(sa)],
    [sb, new Received(sb)],
  ]);
});

afterAll(async () => {
  console.log(`socket fuzz summary: ${JSON.stringify(stats)}`);
  closeAll(...open);
  await app?.close();
});

describe('socket fuzz', () => {
  it(`answers thousands of random and malformed events exactly as documented (seed ${SEED})`, {
    timeout: 120_000,
  }, async () => {
    const fz = await online(fuzzer);
    const peerSocket = await online(peer);
    const fzReceived = new Received(fz);
    const peerReceived = new Received(peerSocket);
    received.set(fz, fzReceived);
    received.set(peerSocket, peerReceived);
    const errors: { event: string; code: string; clientMessageId: string | null }[] = [];
    fz.on('chat:error', (e) =>
      errors.push({ event: e.event, code: e.code, clientMessageId: e.clientMessageId }),
    );

    // Facts established before fuzzing: the chats and messages the generated cases refer to.
    const peerSeed = [];
    for (let i = 0; i < 6; i++)
      peerSeed.push(
        await sendOk(fz, { receiverId: peer.id, content: `seed ${i}`, clientMessageId: `seed-peer-${i}` }),
      );
    const selfSeed = [];
    for (let i = 0; i < 4; i++)
      selfSeed.push(
        await sendOk(fz, { receiverId: fuzzer.id, content: `note ${i}`, clientMessageId: `seed-self-${i}` }),
      );
    const foreignSeed = [];
    for (let i = 0; i < 3; i++)
      foreignSeed.push(await sendOk(sa, { receiverId: pairB.id, content: `private ${i}` }));
    const chatWithPeer = peerSeed[0]!.chatId;
    const chatWithSelf = selfSeed[0]!.chatId;
    const foreignChat = foreignSeed[0]!.chatId;

    const world: World = {
      self: fuzzer.id,
      users: new Set([fuzzer, peer, stranger, pairA, pairB, oversizer, ...rawUsers].map((u) => u.id)),
      chats: new Map([
        [chatWithPeer, new Set([fuzzer.id, peer.id])],
        [chatWithSelf, new Set([fuzzer.id])],
        [foreignChat, new Set([pairA.id, pairB.id])],
      ]),
      directWith: new Map([
        [peer.id, chatWithPeer],
        [fuzzer.id, chatWithSelf],
      ]),
      messages: new Map([...peerSeed, ...selfSeed, ...foreignSeed].map((m) => [m.id, m.chatId])),
      clientIds: new Map([...peerSeed, ...selfSeed].map((m) => [m.clientMessageId!, m.id])),
    };
    const pools: Pools = {
      self: fuzzer.id,
      peer: peer.id,
      stranger: stranger.id,
      outsider: pairA.id,
      chatWithPeer,
      chatWithSelf,
      foreignChat,
      peerMessages: peerSeed.map((m) => m.id),
      selfMessages: selfSeed.map((m) => m.id),
      foreignMessages: foreignSeed.map((m) => m.id),
      storedClientIds: [
        ...peerSeed.map((m) => ({ clientMessageId: m.clientMessageId!, receiverId: peer.id })),
        ...selfSeed.map((m) => ({ clientMessageId: m.clientMessageId!, receiverId: fuzzer.id })),
      ],
    };
    const seedIds = new Set([...peerSeed, ...selfSeed].map((m) => m.id));
    await peerReceived.waitFor(peerSeed.map((m) => m.id));
    await fzReceived.waitFor([...peerSeed, ...selfSeed].map((m) => m.id));

    const generator = new PayloadGenerator(new Rng(SEED), pools);
    const mismatches: Mismatch[] = [];
    /** Ids of the new messages the server acknowledged (a retry's original is not new). */
    const ackedNew = new Map<string, MessageView>();
    const noAck: { c: FuzzCase; verdict: Verdict<unknown>; tag: string | null }[] = [];
    let tagCounter = 0;

    const report = (c: FuzzCase, problem: string) =>
      mismatches.push({
        n: c.n,
        event: c.event,
        kind: c.kind,
        ack: c.ack,
        problem,
        payload: preview(c.args),
      });

    const judge = (c: FuzzCase, verdict: Verdict<unknown>, outcome: { ack?: unknown; error?: unknown }) => {
      if (outcome.error !== undefined) return report(c, `no ack: ${String(outcome.error)}`);
      const ack = outcome.ack as {
        ok?: unknown;
        error?: { code?: unknown; message?: unknown };
        message?: MessageView;
      };
      if (!isPlainObject(ack) || typeof ack.ok !== 'boolean')
        return report(c, `malformed ack ${preview([ack])}`);
      if (!ack.ok) {
        stats.refusedByServer += 1;
        const code = String(ack.error?.code);
        if (typeof ack.error?.message !== 'string') report(c, 'error without a message');
        if (code === 'RATE_LIMITED') stats.rateLimited += 1;
        if (verdict.accept) return report(c, `refused a valid payload with ${code}`);
        if (!verdict.codes.includes(code as never))
          return report(c, `refused (${verdict.rule}) with ${code}, expected ${verdict.codes.join('|')}`);
        return;
      }
      stats.acceptedByServer += 1;
      const message = ack.message;
      if (c.event === 'chat:message_send' && message && !seedIds.has(message.id) && !ackedNew.has(message.id))
        ackedNew.set(message.id, message);
      if (!verdict.accept) return report(c, `accepted an invalid payload (${verdict.rule})`);
      if (c.event === 'chat:message_send')
        checkMessage(c, verdict.expect as ExpectedMessage, message, report);
      else if (c.event === 'chat:typing') {
        if (Object.keys(ack).join() !== 'ok') report(c, `typing ack ${preview([ack])}`);
      } else {
        const receipt = (ack as { receipt?: { chatId?: string; userId?: string } }).receipt;
        const expected = verdict.expect as { chatId: string };
        if (receipt?.chatId?.toLowerCase() !== expected.chatId || receipt?.userId !== fuzzer.id)
          report(c, `receipt ${preview([receipt])}`);
      }
    };

    const emitAcked = async (c: FuzzCase): Promise<{ ack?: unknown; error?: unknown }> =>
      withTimeout(fz, ACK_WAIT_MS)
        .emitWithAck(c.event, ...c.args)
        .then(
          (ack) => ({ ack }),
          (error: unknown) => ({ error }),
        );

    const inFlight = new Set<FuzzCase>();
    fz.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      console.log(
        `fuzzing socket disconnected (${reason}) with in flight or just sent:\n${[...new Set([...recent, ...inFlight])].map((c) => `#${c.n} ${c.event} ${c.kind} [${c.ack}] ${preview(c.args)}`).join('\n')}`,
      );
    });
    const recent: FuzzCase[] = [];
    const run = async (c: FuzzCase) => {
      recent.push(c);
      if (recent.length > 4) recent.shift();
      inFlight.add(c);
      try {
        await runOne(c);
      } finally {
        inFlight.delete(c);
      }
    };
    const runOne = async (c: FuzzCase) => {
      let verdict = verdictFor(world, c.event, wireArgs(c.args)[0]);
      if (c.ack === 'none' || c.ack === 'non-function-last') {
        // Without an ack, a refusal shows as chat:error and a stored message as chat:message_receive: tag the
        // event with a clientMessageId so both can be told apart (an unknown key for receipts and typing).
        let tag: string | null = null;
        const payload = c.args[0];
        if (isPlainObject(payload) && (c.event !== 'chat:message_send' || verdict.accept)) {
          tag = `na-${++tagCounter}`;
          payload.clientMessageId = tag;
          verdict = verdictFor(world, c.event, wireArgs(c.args)[0]);
        }
        noAck.push({ c, verdict, tag });
        stats.payloadsTried += 1;
        untyped(fz).emit(c.event, ...c.args);
        return;
      }
      if (c.twin && verdict.accept) {
        stats.payloadsTried += 2;
        const [first, second] = await Promise.all([emitAcked(c), emitAcked(c)]);
        judge(c, verdict, first);
        const firstId = (first.ack as { message?: MessageView } | undefined)?.message?.id;
        judge(c, firstId ? withDuplicate(verdict, firstId) : verdict, second);
        return;
      }
      stats.payloadsTried += 1;
      judge(c, verdict, await emitAcked(c));
    };

    for (let start = 0; start < CASES; start += CHUNK) {
      const cases = Array.from({ length: Math.min(CHUNK, CASES - start) }, (_, i) =>
        generator.next(start + i),
      );
      await inParallel(cases, IN_FLIGHT, run);
      expect(fz.connected, 'the fuzzing socket stays usable').toBe(true);
      await checkpoint(`case ${start + cases.length}`);
    }

    // Reconcile the events sent without an ack.
    const noAckAccepted = noAck.filter((x) => x.verdict.accept && x.c.event === 'chat:message_send');
    const noAckRefused = noAck.filter((x) => !x.verdict.accept);
    const expectedIds = [...ackedNew.keys()];
    await fzReceived.waitFor(expectedIds).catch(() => {});
    await peerReceived
      .waitFor(expectedIds.filter((id) => ackedNew.get(id)!.chatId === chatWithPeer))
      .catch(() => {});
    await until(
      () =>
        errors.length >= noAckRefused.length &&
        noAckAccepted.every((x) => [...fzReceived.byId.values()].some((m) => m.clientMessageId === x.tag)),
      SETTLE_WAIT_MS,
    );
    await settle(fz);
    await settle(peerSocket);

    const byTag = new Map(noAck.filter((x) => x.tag).map((x) => [x.tag!, x]));
    const errorsByTag = new Map<string, number>();
    for (const e of errors) {
      if (e.clientMessageId && byTag.has(e.clientMessageId))
        errorsByTag.set(e.clientMessageId, (errorsByTag.get(e.clientMessageId) ?? 0) + 1);
    }
    for (const x of noAck) {
      if (!x.tag) continue;
      const errorCount = errorsByTag.get(x.tag) ?? 0;
      if (x.verdict.accept && errorCount > 0) report(x.c, 'refused a valid payload (chat:error)');
      if (!x.verdict.accept && errorCount !== 1)
        report(x.c, `${errorCount} chat:error for an invalid payload, expected 1`);
      const error = errors.find((e) => e.clientMessageId === x.tag);
      if (error && !x.verdict.accept && !x.verdict.codes.includes(error.code as never))
        report(x.c, `chat:error ${error.code} (${x.verdict.rule}), expected ${x.verdict.codes.join('|')}`);
    }
    // Every message the server stored for the fuzzer reached the fuzzer's socket once: find those sent without
    // ack, by their tag, their clientMessageId, or else their content and mediaUrl.
    const fromFuzzer = [...fzReceived.byId.values()].filter(
      (m) => m.sender.id === fuzzer.id && !seedIds.has(m.id),
    );
    const acceptedIds = new Set(fromFuzzer.map((m) => m.id));
    for (const id of ackedNew.keys()) acceptedIds.add(id);
    const noAckSends = noAck.filter((x) => x.c.event === 'chat:message_send');
    const sentField = (x: (typeof noAck)[number], key: string) =>
      (wireArgs(x.c.args)[0] as Record<string, unknown> | null)?.[key];
    const storedAnyway = new Set<FuzzCase>();
    for (const m of fromFuzzer) {
      if (ackedNew.has(m.id)) continue;
      stats.acceptedByServer += 1;
      const sent =
        noAckSends.find((x) => x.tag !== null && x.tag === m.clientMessageId) ??
        noAckSends.find(
          (x) => m.clientMessageId !== null && sentField(x, 'clientMessageId') === m.clientMessageId,
        ) ??
        noAckSends.find(
          (x) =>
            !storedAnyway.has(x.c) &&
            (typeof sentField(x, 'content') === 'string'
              ? (sentField(x, 'content') as string).trim()
              : '') === m.content &&
            (sentField(x, 'mediaUrl') ?? null) === m.mediaUrl,
        );
      if (!sent) {
        mismatches.push({
          n: -1,
          event: 'chat:message_send',
          kind: 'no-ack',
          ack: 'none',
          problem: 'stored a message sent without ack that matches no case',
          payload: preview([m]),
        });
      } else if (!sent.verdict.accept) {
        storedAnyway.add(sent.c);
        report(sent.c, `accepted an invalid payload (${sent.verdict.rule})`);
      } else checkMessage(sent.c, sent.verdict.expect as ExpectedMessage, m, report);
    }
    for (const event of CLIENT_EVENTS) {
      // Refusals sent without ack and without a tag (the ones stored instead are reported above).
      const expected = noAckRefused.filter(
        (x) => x.c.event === event && !x.tag && !storedAnyway.has(x.c),
      ).length;
      const got = errors.filter(
        (e) => e.event === event && !(e.clientMessageId && byTag.has(e.clientMessageId)),
      ).length;
      if (got !== expected)
        mismatches.push({
          n: -1,
          event,
          kind: 'untagged',
          ack: 'none',
          problem: `${got} untagged chat:error, expected ${expected}`,
          payload: '',
        });
    }
    stats.refusedByServer += errors.length;

    for (const x of noAckAccepted) {
      const delivered = [...fzReceived.byId.values()].some((m) => m.clientMessageId === x.tag);
      if (!delivered && !errorsByTag.has(x.tag!))
        report(x.c, 'valid payload sent without ack: neither stored nor refused');
    }
    for (const id of ackedNew.keys())
      if (!fzReceived.byId.has(id))
        mismatches.push({
          n: -1,
          event: 'chat:message_send',
          kind: 'delivery',
          ack: 'ack',
          problem: `acked ${id} never reached the sender's socket`,
          payload: '',
        });

    // The peer got exactly the accepted messages of its chat, and nothing else from the fuzzer.
    const toPeer = [...acceptedIds].filter(
      (id) => (ackedNew.get(id) ?? fzReceived.byId.get(id))?.chatId === chatWithPeer,
    );
    const peerGot = [...peerReceived.byId.values()].filter(
      (m) => m.sender.id === fuzzer.id && !seedIds.has(m.id),
    );
    expect
      .soft(new Set(peerGot.map((m) => m.id)), 'the peer receives exactly the accepted messages')
      .toEqual(new Set(toPeer));

    // Nothing refused was stored, and everything acknowledged was.
    const stored = (await storedMessagesOf(fuzzer)).filter((m) => !seedIds.has(m.id));
    const storedIds = new Set(stored.map((m) => m.id));
    stats.rowsWrittenByRefused = stored.filter((m) => !acceptedIds.has(m.id)).length;
    stats.ackedButNotStored = [...acceptedIds].filter((id) => !storedIds.has(id)).length;
    stats.oracleMismatches = mismatches.length;

    await checkpoint('end of fuzzing');
    if (mismatches.length > 0)
      console.log(`socket fuzz mismatches (seed ${SEED}):\n${summarize(mismatches)}`);
    expect(stats.crashes).toBe(0);
    expect(stats.rowsWrittenByRefused, 'rows written by refused payloads').toBe(0);
    expect(stats.ackedButNotStored, 'acknowledged messages missing from the database').toBe(0);
    expect(
      stats.rateLimited,
      'RATE_LIMITED although the app runs with MESSAGE_RATE_LIMIT and TYPING_RATE_LIMIT at 100000',
    ).toBe(0);
    expect(summarize(mismatches), 'payloads the service answered otherwise than documented').toBe('');
  });

  it('answers an event that has an ack callback but no payload through that ack', async () => {
    const socket = await online(fuzzer);
    const errors: unknown[] = [];
    socket.on('chat:error', (e) => errors.push(e));
    stats.payloadsTried += CLIENT_EVENTS.length;
    const acks = await Promise.all(
      CLIENT_EVENTS.map((event) =>
        withTimeout(socket, 5000)
          .emitWithAck(event)
          .catch((error: unknown) => ({ noAck: String(error) })),
      ),
    );
    for (const [i, event] of CLIENT_EVENTS.entries()) {
      expect.soft(acks[i], event).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    await settle(socket);
    expect(errors, 'the refusal goes to the ack, not to chat:error').toEqual([]);
  });

  it('drops a connection whose packet is over the payload limit, and nothing else', {
    timeout: 60_000,
  }, async () => {
    const receiver = peer.id;
    const cases: [string, 'websocket' | 'polling', unknown[]][] = [
      [
        'content of 100 000 characters',
        'websocket',
        [{ receiverId: receiver, content: 'x'.repeat(100_000), clientMessageId: 'big-1' }],
      ],
      [
        'content of 1 MiB',
        'websocket',
        [{ receiverId: receiver, content: 'y'.repeat(1 << 20), clientMessageId: 'big-2' }],
      ],
      [
        'a 100 KiB binary attachment',
        'websocket',
        [{ receiverId: receiver, content: 'z', blob: Buffer.alloc(100_000, 7), clientMessageId: 'big-3' }],
      ],
      [
        'a clientMessageId of 70 000 characters',
        'websocket',
        [{ receiverId: receiver, content: 'hi', clientMessageId: 'c'.repeat(70_000) }],
      ],
      [
        'an extra argument of 200 KiB',
        'websocket',
        [{ receiverId: receiver, content: 'hi', clientMessageId: 'big-5' }, 'e'.repeat(200_000)],
      ],
      [
        'eleven binary attachments',
        'websocket',
        [
          {
            receiverId: receiver,
            content: 'hi',
            clientMessageId: 'big-6',
            parts: Array.from({ length: 11 }, () => Buffer.from('a')),
          },
        ],
      ],
      [
        'content of 100 000 characters over long-polling',
        'polling',
        [{ receiverId: receiver, content: 'p'.repeat(100_000), clientMessageId: 'big-7' }],
      ],
    ];
    for (const [name, transport, args] of cases) {
      stats.oversizeTried += 1;
      const socket = await connect(app.baseUrl, { token: oversizer.accessToken, transport });
      open.push(socket);
      let acked = false;
      const disconnected = new Promise<string>((resolve) =>
        socket.once('disconnect', (reason) => resolve(reason)),
      );
      untyped(socket).emit('chat:message_send', ...args, () => {
        acked = true;
      });
      const reason = await Promise.race([disconnected, sleep(SETTLE_WAIT_MS).then(() => 'still connected')]);
      expect(reason, name).toMatch(/^transport (close|error)$/);
      expect(acked, name).toBe(false);
      await checkpoint(`after ${name}`);
    }
    expect(await storedMessagesOf(oversizer), 'nothing stored from oversized packets').toEqual([]);
  });

  it('survives raw Engine.IO and Socket.IO garbage on the websocket and on long-polling', {
    timeout: 60_000,
  }, async () => {
    const [r1] = rawUsers as [TestUser, TestUser, TestUser];
    const valid = { receiverId: r1.id, content: 'raw but valid' };
    const send = (ackId: number, payload: unknown) =>
      `42/chat,${ackId}${JSON.stringify(['chat:message_send', payload])}`;
    const protoPayload = `{"__proto__":{"receiverId":"${peer.id}","content":"from the prototype"}}`;
    const deepArray = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const deepPlaceholder = `${'['.repeat(20_000)}{"_placeholder":true,"num":0}${']'.repeat(20_000)}`;

    /** Each case: frames sent on a fresh connection joined to /chat, and what must follow. */
    const cases: {
      name: string;
      frames: Frame[];
      joined?: boolean;
      ack?: [number, (ack: unknown) => void];
    }[] = [
      { name: 'empty text frame', frames: [''] },
      { name: 'unknown engine packet type', frames: ['9hello'] },
      { name: 'not a packet', frames: ['garbage'] },
      { name: 'engine close', frames: ['1'] },
      { name: 'upgrade without probe', frames: ['5'] },
      { name: 'ping probe', frames: ['2probe'] },
      { name: 'unsolicited pong and noop', frames: ['3', '6'] },
      { name: 'old base64 binary frame', frames: ['bAQID'] },
      { name: 'invalid UTF-8 in a text frame', frames: [Buffer.from([0x34, 0x32, 0xff, 0xfe, 0xc3, 0x28])] },
      { name: 'binary frame nobody announced', frames: [Buffer.from([1, 2, 3])] },
      {
        name: 'text frame over the payload limit',
        frames: [`42/chat,["chat:message_send",{"content":"${'x'.repeat(70_000)}"}]`],
      },
      { name: 'binary frame over the payload limit', frames: [Buffer.alloc(70_000, 1)] },
      { name: 'bare message packet', frames: ['4'] },
      { name: 'unknown socket.io packet type', frames: ['49', '4x', '47/chat,[]'] },
      { name: 'connect to the main namespace', frames: ['40'] },
      { name: 'connect without token', frames: ['40/chat,'], joined: false },
      { name: 'connect with a number as token', frames: ['40/chat,{"token":123}'], joined: false },
      { name: 'connect with broken JSON', frames: ['40/chat,{"token":'], joined: false },
      { name: 'connect with an array', frames: ['40/chat,[]'], joined: false },
      { name: 'connect to an unknown namespace', frames: ['40/nope,{}'], joined: false },
      { name: 'event before any connect', frames: [send(1, valid)], joined: false },
      { name: 'namespace disconnect then events', frames: ['41/chat,', send(1, valid)] },
      { name: 'event without data', frames: ['42/chat,'] },
      { name: 'event with an empty array', frames: ['42/chat,[]'] },
      { name: 'event named by a number', frames: ['42/chat,[1,{}]'] },
      { name: 'event named null', frames: ['42/chat,[null]'] },
      {
        name: 'reserved event names',
        frames: ['42/chat,["connect"]', '42/chat,["disconnect"]', '42/chat,["disconnecting"]'],
      },
      { name: 'truncated JSON', frames: ['42/chat,["chat:message_send",{"receiverId":'] },
      { name: 'JSON with a trailing comma', frames: ['42/chat,["chat:message_send",{},]'] },
      { name: 'unknown event', frames: ['42/chat,3["chat:nope",{}]'] },
      { name: 'huge ack id', frames: ['42/chat,99999999999999999999["chat:typing",{}]'] },
      { name: 'negative ack id', frames: ['42/chat,-1["chat:typing",{}]'] },
      { name: 'ack for nothing', frames: ['43/chat,5[]', '43/chat,x[]'] },
      { name: 'client-sent connect_error', frames: ['44/chat,{"message":"x"}'] },
      { name: 'binary event without attachments', frames: ['45-/chat,["chat:message_send",{}]'] },
      { name: 'binary event with zero attachments', frames: ['450-/chat,["chat:message_send",{}]'] },
      { name: 'binary event with a bad attachment count', frames: ['45x-/chat,["chat:message_send",{}]'] },
      { name: 'binary event with too many attachments', frames: ['4511-/chat,["chat:message_send",{}]'] },
      {
        name: 'placeholder out of range',
        frames: ['451-/chat,["chat:message_send",{"_placeholder":true,"num":5}]', Buffer.from([1])],
      },
      {
        name: 'placeholder with a string index',
        frames: ['451-/chat,["chat:message_send",{"_placeholder":true,"num":"0"}]', Buffer.from([1])],
      },
      {
        name: 'text frame while attachments are pending',
        frames: [
          '452-/chat,["chat:message_send",{"_placeholder":true,"num":0}]',
          Buffer.from([1]),
          '42/chat,["chat:typing",{}]',
        ],
      },
      {
        name: 'deep placeholder',
        frames: [`451-/chat,7["chat:message_send",${deepPlaceholder}]`, Buffer.from([1])],
      },
      {
        name: '__proto__ in the payload',
        frames: [`42/chat,11["chat:message_send",${protoPayload}]`],
        ack: [11, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
      {
        name: 'constructor.prototype in the payload',
        frames: [
          `42/chat,12["chat:message_send",{"constructor":{"prototype":{"receiverId":"${peer.id}","content":"x"}}}]`,
        ],
        ack: [12, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
      {
        name: '__proto__ in a binary payload',
        frames: [
          `451-/chat,13["chat:message_send",{"__proto__":{"receiverId":"${peer.id}","content":"x"},"blob":{"_placeholder":true,"num":0}}]`,
          Buffer.from([1]),
        ],
        ack: [13, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
      {
        name: 'payload nested 30 000 arrays deep',
        frames: [`42/chat,14["chat:message_send",${deepArray}]`],
        ack: [14, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
      {
        name: 'a valid message with an unknown key nested 10 000 objects deep',
        frames: [
          `42/chat,15["chat:message_send",{"receiverId":"${r1.id}","content":"deep","x":${deepObject}}]`,
        ],
        ack: [15, (ack) => expect(ack).toMatchObject({ ok: true, message: { content: 'deep' } })],
      },
      {
        name: 'five thousand keys',
        frames: [send(16, Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])))],
        ack: [16, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
      {
        name: 'lone surrogates escaped in JSON',
        frames: [`42/chat,17["chat:message_send",{"receiverId":"${r1.id}","content":"a\\ud800b\\udfff"}]`],
        ack: [17, (ack) => expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } })],
      },
    ];

    let userTurn = 0;
    for (const c of cases) {
      const user = rawUsers[userTurn++ % rawUsers.length]!;
      const client =
        c.joined === false
          ? await RawClient.open(app.baseUrl)
          : await RawClient.joined(app.baseUrl, user.accessToken);
      try {
        if (c.joined === false) await client.waitFor((f) => typeof f === 'string' && f.startsWith('0{'));
        for (const frame of c.frames) {
          stats.rawFramesTried += 1;
          client.send(frame);
        }
        if (c.ack)
          c.ack[1](await client.ack(c.ack[0]).catch((error: unknown) => `${c.name}: ${String(error)}`));
        const probe = {
          event: 'chat:message_send',
          payload: { receiverId: '00000000-0000-4000-8000-000000000000', content: 'probe' },
        };
        const outcome = await client
          .closesOrServes(
            probe,
            999,
            c.joined === false || c.name.startsWith('namespace disconnect')
              ? { token: user.accessToken }
              : undefined,
          )
          .catch((error: unknown) => `mute: ${String(error)}`);
        expect(['closed', 'serves'], c.name).toContain(outcome);
      } finally {
        client.close();
      }
      const health = await http.get('/api/health').catch(() => ({ status: 0 }));
      if (health.status !== 200) stats.crashes += 1;
      expect(health.status, `health after ${c.name}`).toBe(200);
    }

    // Long-polling garbage: every request is answered, and nothing breaks.
    const base = `${app.baseUrl}/socket.io/`;
    const polled = async (query: string, init?: RequestInit) => {
      stats.rawFramesTried += 1;
      return (await fetch(`${base}?${query}`, init)).status;
    };
    expect(await polled('EIO=3&transport=polling')).toBe(400);
    expect(await polled('EIO=4&transport=bogus')).toBe(400);
    expect(await polled('EIO=4&transport=polling&sid=nope')).toBe(400);
    const handshake = await (await fetch(`${base}?EIO=4&transport=polling`)).text();
    const sid = (JSON.parse(handshake.slice(1)) as { sid: string }).sid;
    for (const body of [
      'garbage',
      '4\u001e9\u001e',
      '40/chat,{"token":"x"}\u001e42/chat,[',
      Buffer.from([0xff, 0xfe, 0x00]),
    ]) {
      const status = await polled(`EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body });
      expect(status).toBeGreaterThanOrEqual(200);
    }
    const handshake2 = await (await fetch(`${base}?EIO=4&transport=polling`)).text();
    const sid2 = (JSON.parse(handshake2.slice(1)) as { sid: string }).sid;
    expect(
      await polled(`EIO=4&transport=polling&sid=${sid2}`, { method: 'POST', body: 'x'.repeat(2 << 20) }),
    ).toBeGreaterThanOrEqual(400);

    await checkpoint('after raw garbage');
    // The raw users' valid messages are stored; the invalid ones are not.
    const stored = [
      ...(await storedMessagesOf(rawUsers[0]!)),
      ...(await storedMessagesOf(rawUsers[1]!)),
      ...(await storedMessagesOf(rawUsers[2]!)),
    ];
    expect(stored.map((m) => m.content)).toEqual(['deep']);
  });
});

function withDuplicate(verdict: Verdict<unknown>, originalId: string): Verdict<unknown> {
  if (!verdict.accept) return verdict;
  return { accept: true, expect: { ...(verdict.expect as ExpectedMessage), duplicateOf: originalId } };
}

function checkMessage(
  c: FuzzCase,
  expected: ExpectedMessage,
  message: MessageView | undefined,
  report: (c: FuzzCase, problem: string) => void,
): void {
  if (!message) {
    report(c, 'accepted without a message');
    return;
  }
  const problems: string[] = [];
  if (message.sender.id !== fuzzer.id) problems.push(`sender ${message.sender.id}`);
  if (expected.duplicateOf) {
    if (message.id !== expected.duplicateOf)
      problems.push(`retry acked ${message.id}, not the original ${expected.duplicateOf}`);
  } else {
    if (message.content !== expected.content)
      problems.push(`content ${JSON.stringify(message.content).slice(0, 80)}`);
    if (message.mediaUrl !== expected.mediaUrl)
      problems.push(`mediaUrl ${JSON.stringify(message.mediaUrl).slice(0, 80)}`);
    if (expected.mediaType !== undefined && message.mediaType !== expected.mediaType)
      problems.push(`mediaType ${message.mediaType}`);
    if (message.clientMessageId !== expected.clientMessageId)
      problems.push(`clientMessageId ${JSON.stringify(message.clientMessageId)}`);
    if (expected.chatId && message.chatId !== expected.chatId) problems.push(`chatId ${message.chatId}`);
  }
  if (problems.length > 0) report(c, `accepted, but ${problems.join('; ')}`);
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function preview(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && v.length > 60) return `${v.slice(0, 40)}…(${v.length} chars)`;
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') return '<Buffer>';
    return v;
  });
  return text === undefined ? 'undefined' : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Mismatches grouped by problem, with the generator branches involved and one example each. */
function summarize(mismatches: Mismatch[]): string {
  const groups = new Map<string, Mismatch[]>();
  for (const m of mismatches) {
    const key = `${m.event} [${m.ack === 'ack' || m.ack === 'ack+extra' ? 'ack' : 'no ack'}]: ${m.problem.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/(chat:error|untagged chat:error), expected \d+/, '$1')}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.entries()]
    .map(([key, list]) => {
      const kinds = [...new Set(list.map((m) => m.kind))].slice(0, 4).join(' / ');
      const e = list[0]!;
      return `${list.length} × ${key}\n    cases: ${kinds}\n    e.g. #${e.n} [${e.ack}] ${e.payload}`;
    })
    .join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(20);
}
