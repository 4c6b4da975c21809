/**
 * A bare Engine.IO v4 long-polling session that joins /chat by hand and then polls only when a test says
 * so: a client that stops polling, which no client library lets a test be.
 */
export class PollingSession {
  private constructor(
    private readonly url: string,
    readonly sid: string,
  ) {}

  /** Opens a session and joins namespace /chat with a token; rejects if the join is refused. */
  static async joined(baseUrl: string, token: string): Promise<PollingSession> {
    const base = `${baseUrl}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    const session = new PollingSession(`${base}&sid=${encodeURIComponent(sid)}`, sid);
    const posted = await fetch(session.url, { method: 'POST', body: `40/chat,${JSON.stringify({ token })}` });
    if (!posted.ok) throw new Error(`join not accepted: ${posted.status}`);
    const answer = await session.poll();
    if (!answer.packets.some((p) => p.startsWith('40/chat,'))) {
      throw new Error(`join refused: ${answer.status} ${answer.packets.join(' | ')}`);
    }
    return session;
  }

  /** One poll: the packets the server had waiting (Engine.IO payload, split), or its refusal. */
  async poll(): Promise<{ status: number; packets: string[] }> {
    const res = await fetch(this.url);
    const body = await res.text();
    return { status: res.status, packets: res.ok ? body.split('\x1e') : [body] };
  }
}
