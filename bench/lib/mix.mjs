// `--mix`: the closed loop draws each operation's kind by weight, sends or changes to one of the sender's
// own recent acked messages (reactions, edits, deletes for everyone), and counts and times each kind on
// its own. A change is always allowed: the sender wrote the message, it is not deleted, and a reaction is
// one emoji added and removed in turn (never near the per-person limit). Kinds come from a seeded PRNG
// per pair, so the k-th operation of pair i is the same kind in every run and on both targets.
import { newHistogram, summarize } from './latency.mjs';

export const KINDS = ['send', 'reaction', 'edit', 'delete'];
export const DEFAULT_MIX = '80/10/5/5';
const EMOJI = '👍';

/** The live event the peer hears for each kind of change. */
export const HEARD = {
  reaction: 'chat:reaction_updated',
  edit: 'chat:message_edited',
  delete: 'chat:message_deleted',
};

/** "80/10/5/5" → { send: 80, reaction: 10, edit: 5, delete: 5 }; throws an Error saying what is wrong. */
export function parseMix(text) {
  const parts = text.split('/');
  if (parts.length !== KINDS.length || parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) {
    throw new Error(`expected four percentages S/R/E/D such as ${DEFAULT_MIX}, got "${text}"`);
  }
  const weights = parts.map(Number);
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (Math.abs(total - 100) > 1e-9) throw new Error(`the percentages must add up to 100, got ${total}`);
  // Changes need acked messages of their sender to act on; without sends there would be none.
  if (weights[0] === 0) throw new Error('sends must be more than 0: changes act on acked messages');
  return Object.fromEntries(KINDS.map((kind, i) => [kind, weights[i]]));
}

export const formatMix = (mix) => KINDS.map((kind) => mix[kind]).join('/');

// mulberry32: tiny, fast, and good enough to draw kinds; the same seed gives the same sequence.
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One stream per pair and purpose: target picks depend on timing, so they must not shift the kinds.
const streamSeed = (seed, pair, stream) =>
  (seed ^ Math.imul(pair + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;

/**
 * The mixed-load bookkeeping of one target's run. `pair.mix` holds a pair's draws, its recent acked
 * messages (a ring; a deleted one leaves it) and its changes not yet settled, one at most per message:
 * a message stays busy from a change's emit until its ack and the peer's event have both come, so each
 * event matches its change by message id alone, and a reaction's next op is known.
 */
export class MixedLoad {
  constructor({ mix, seed, inflight, relay, contentOf }) {
    this.mix = mix;
    this.seed = seed;
    this.relay = relay; // the relay stores no messages: a change names its chat
    this.contentOf = contentOf;
    let sum = 0;
    this.bounds = KINDS.map((kind) => {
      sum += mix[kind];
      return sum / 100;
    });
    // Room for the messages held by changes in flight, with free ones left over to pick from.
    this.recentSize = Math.max(16, 4 * inflight);
    this.stats = Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        { sent: 0, acked: 0, delivered: 0, errors: 0, latency: newHistogram(), ackLatency: newHistogram() },
      ]),
    );
    this.substitutedSends = 0; // changes drawn when the sender had no free message: sent as messages
    this.ackedThisSecond = 0;
  }

  attach(pair, index) {
    pair.mix = {
      kinds: prng(streamSeed(this.seed, index, 0)),
      targets: prng(streamSeed(this.seed, index, 1)),
      recent: new Array(this.recentSize).fill(null),
      cursor: 0,
      pending: new Map(), // message id -> its change in flight
    };
  }

  /**
   * The next operation of `pair`: undefined for a send (the caller builds it as without --mix), or a
   * change `{ kind, event, payload, message }` whose message is now busy.
   */
  next(pair, sentUs) {
    const draw = pair.mix.kinds();
    let k = 0;
    while (k < KINDS.length - 1 && draw >= this.bounds[k]) k++;
    const kind = KINDS[k];
    if (kind === 'send') {
      this.stats.send.sent += 1;
      return undefined;
    }
    const message = this.pick(pair);
    if (!message) {
      this.substitutedSends += 1;
      this.stats.send.sent += 1;
      return undefined;
    }
    message.busy = true;
    const change = { kind, message, sentUs, acked: false, heard: false, timedOut: false, op: undefined };
    if (kind === 'reaction') {
      change.op = message.reacted ? 'remove' : 'add';
      change.event = `chat:reaction_${change.op}`;
      change.payload = { messageId: message.id, emoji: EMOJI };
    } else if (kind === 'edit') {
      change.event = 'chat:message_edit';
      change.payload = { messageId: message.id, content: this.contentOf(sentUs) };
    } else {
      change.event = 'chat:message_delete';
      change.payload = { messageId: message.id, scope: 'everyone' };
      this.forget(pair, message); // never a target again, whatever the answer
    }
    if (this.relay) change.payload.chatId = message.chatId;
    pair.mix.pending.set(message.id, change);
    this.stats[kind].sent += 1;
    return change;
  }

  // A free message from the ring: a random slot, then the next ones.
  pick(pair) {
    const { recent, targets } = pair.mix;
    const start = Math.floor(targets() * recent.length);
    for (let i = 0; i < recent.length; i++) {
      const message = recent[(start + i) % recent.length];
      if (message && !message.busy) return message;
    }
    return undefined;
  }

  forget(pair, message) {
    if (pair.mix.recent[message.slot] === message) pair.mix.recent[message.slot] = null;
  }

  release(pair, change) {
    pair.mix.pending.delete(change.message.id);
    change.message.busy = false;
  }

  /**
   * An operation's ack (`timedOut`, or the ack body): counts it by kind; an acked send joins the ring;
   * a change applies (a reaction flips) and frees its message once its event was heard too.
   */
  settled(pair, change, ack, timedOut, inWindow, ackUs) {
    const kind = change?.kind ?? 'send';
    const stats = this.stats[kind];
    if (timedOut || !ack?.ok) {
      stats.errors += 1;
      if (!change) return;
      // Refused: nothing changed and nothing will be heard. Timed out: its state is unknown, so the
      // message leaves the ring; the change stays pending so that a late event still finds it.
      if (!timedOut) return this.release(pair, change);
      change.timedOut = true;
      this.forget(pair, change.message);
      return;
    }
    this.ackedThisSecond += 1;
    if (inWindow) {
      stats.acked += 1;
      stats.ackLatency.recordValue(ackUs);
    }
    if (!change) {
      const id = ack.message?.id;
      if (!id) return;
      const { mix } = pair;
      const slot = mix.cursor;
      mix.recent[slot] = { id, chatId: ack.message.chatId, slot, busy: false, reacted: false };
      mix.cursor = (slot + 1) % mix.recent.length;
      return;
    }
    change.acked = true;
    if (kind === 'reaction') change.message.reacted = change.op === 'add';
    if (change.heard) this.release(pair, change);
  }

  /** A message heard by the peer inside the window, `us` after its send. */
  heardMessage(us) {
    this.stats.send.delivered += 1;
    this.stats.send.latency.recordValue(us);
  }

  /**
   * The peer heard a change event of `kind`: the latency from its emit in µs, or undefined when no change
   * of this pair's sender explains it (misdelivered).
   */
  heardChange(pair, kind, event, nowUs, inWindow) {
    const change = pair.mix.pending.get(event?.messageId);
    if (!change || change.heard || change.kind !== kind || (kind === 'reaction' && event.op !== change.op)) {
      return undefined;
    }
    change.heard = true;
    const us = Math.max(1, nowUs - change.sentUs);
    if (inWindow) {
      this.stats[kind].delivered += 1;
      this.stats[kind].latency.recordValue(us);
    }
    if (change.acked || change.timedOut) this.release(pair, change);
    return us;
  }

  takeSecond() {
    const count = this.ackedThisSecond;
    this.ackedThisSecond = 0;
    return count;
  }

  /**
   * Per kind: over the window, the acked operations, their rate and share, those heard by the peer and
   * the latencies; over the whole load, those sent and the failed or timed-out acks.
   */
  summary(seconds) {
    const operations = KINDS.reduce((sum, kind) => sum + this.stats[kind].acked, 0);
    const byKind = {};
    for (const kind of KINDS) {
      const s = this.stats[kind];
      byKind[kind] = {
        operations: s.acked,
        throughput: s.acked / seconds,
        sharePercent: operations > 0 ? (s.acked / operations) * 100 : undefined,
        delivered: s.delivered,
        sent: s.sent,
        errors: s.errors,
        latency: summarize(s.latency),
        ackLatency: summarize(s.ackLatency),
      };
    }
    return { operations, byKind, substitutedSends: this.substitutedSends };
  }
}
