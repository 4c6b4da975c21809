import WebSocket from 'ws';

// A safety net for waits on the server, never a speed goal.
const WAIT_MS = 10_000;

/**
 * A bare Engine.IO v4 websocket session that joins /chat by hand and can stop reading: a client that does
 * not keep up, which no client library lets a test be. After joining it never writes (not even an answer
 * to a ping): a write reaching a server that has closed the connection draws a reset, and a reset throws
 * away what the kernel still holds for the client, which a test may want to count.
 */
export class WebSocketSession {
  readonly frames: string[] = [];
  readonly closed: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(data.toString('utf8')));
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    // A reset shows as an error before close; close follows.
    ws.on('error', () => {});
  }

  /** Opens a session and joins namespace /chat with a token; rejects if the join is refused. */
  static async joined(baseUrl: string, token: string): Promise<WebSocketSession> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const session = new WebSocketSession(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(`40/chat,${JSON.stringify({ token })}`);
    const answer = await session.frame((f) => /^4[04]\/chat,/.test(f));
    if (!answer.startsWith('40/chat,')) throw new Error(`join refused: ${answer}`);
    return session;
  }

  /** Stops reading: what the server sends waits in the kernel, then in the server. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  private frame(test: (f: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such frame')), WAIT_MS);
      const check = () => {
        const found = this.frames.find(test);
        if (found === undefined) return;
        clearTimeout(timer);
        this.ws.off('message', check);
        resolve(found);
      };
      this.ws.on('message', check);
      check();
    });
  }
}
