import WebSocket from 'ws';

// A safety net for waits on the server, never a speed goal.
const WAIT_MS = 5000;

export type Frame = string | Buffer;

/**
 * A bare Engine.IO v4 websocket client that speaks Socket.IO by hand, so a test can send frames no
 * well-behaved client library would produce. It answers the server's pings so that only the frames under
 * test can end the connection.
 */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly sent: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private isClosed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame: Frame = isBinary ? data : data.toString('utf8');
      if (frame === '2') ws.send('3');
      this.frames.push(frame);
      for (const w of this.waiters.filter((w) => w.test(frame))) w.resolve(frame);
      this.waiters = this.waiters.filter((w) => !w.test(frame));
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
      }),
    );
    // A refused upgrade or a reset shows as an error before close; close follows.
    ws.on('error', () => {});
  }

  static open(baseUrl: string, path = '/socket.io/?EIO=4&transport=websocket'): Promise<RawClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { maxPayload: 16 * 1024 * 1024 });
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Opens an Engine.IO session and joins namespace /chat with a token; resolves with the server's answer. */
  static async joined(baseUrl: string, token: string): Promise<RawClient> {
    const client = await RawClient.open(baseUrl);
    await client.waitFor((f) => typeof f === 'string' && f.startsWith('0{'));
    client.send(`40/chat,${JSON.stringify({ token })}`);
    const answer = await client.waitFor((f) => typeof f === 'string' && /^4[04]\/chat,/.test(f));
    if (!String(answer).startsWith('40/chat,')) throw new Error(`join refused: ${String(answer)}`);
    return client;
  }

  get isOpen(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  send(data: Frame, options: { binary?: boolean } = {}): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.sent.push(data);
    this.ws.send(data, { binary: options.binary ?? typeof data !== 'string' });
  }

  /** The first frame (already received or still to come) that passes `test`; rejects after the safety net. */
  waitFor(test: (f: Frame) => boolean, ms = WAIT_MS): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such frame')), ms);
      this.waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /**
   * Either the connection ends, or it still serves: (after joining /chat with `token` if this connection
   * has not joined it) an acknowledged Socket.IO event sent now is answered. Fails, by the safety net,
   * only if the connection is left open and mute.
   */
  async closesOrServes(
    probe: { event: string; payload: unknown },
    ackId: number,
    join?: { token: string },
  ): Promise<'closed' | 'serves'> {
    if (!this.isOpen) return 'closed';
    const closed = this.closed.then(() => 'closed' as const);
    if (join) {
      this.send(`40/chat,${JSON.stringify(join)}`);
      // Connects are answered in order: ours is answered by the n-th CONNECT or CONNECT_ERROR of /chat.
      const isAnswer = (f: Frame) => typeof f === 'string' && /^4[04]\/chat,/.test(f);
      const n = this.sent.filter((f) => typeof f === 'string' && f.startsWith('40/chat')).length;
      const answer = this.waitFor(() => this.frames.filter(isAnswer).length >= n).then(
        () => this.frames.filter(isAnswer)[n - 1]!,
      );
      const outcome = await Promise.race([closed, answer.then((f) => String(f))]);
      if (outcome === 'closed') return 'closed';
      if (!outcome.startsWith('40/chat,')) throw new Error(`could not join after the garbage: ${outcome}`);
    }
    this.send(`42/chat,${ackId}${JSON.stringify([probe.event, probe.payload])}`);
    const answer = this.waitFor((f) => typeof f === 'string' && f.startsWith(`43/chat,${ackId}[`));
    return Promise.race([closed, answer.then(() => 'serves' as const)]);
  }

  /** The decoded payload of the ack with this id, once it comes. */
  async ack(ackId: number): Promise<unknown> {
    const frame = String(
      await this.waitFor((f) => typeof f === 'string' && f.startsWith(`43/chat,${ackId}[`)),
    );
    return (JSON.parse(frame.slice(`43/chat,${ackId}`.length)) as unknown[])[0];
  }

  close(): void {
    this.ws.terminate();
  }
}
