import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxy {
  /** The loopback port clients connect to. */
  readonly port: number;
  /** Connections currently relayed. */
  readonly open: number;
  /**
   * Makes the target unreachable: every relayed connection is destroyed (both sides), and new connections
   * are refused (the listening socket is closed, so connects fail with ECONNREFUSED).
   * With `hold: 'request'`, the cut first holds back what clients send, and happens once something is held:
   * a request is in flight, unseen by the target, when its connection dies. With `hold: 'response'`, it
   * holds back what the target answers instead: the target has done the work (a commit, say), but the
   * client never hears of it.
   */
  cut(options?: { hold?: 'request' | 'response' }): Promise<void>;
  /**
   * A blip rather than an outage: the relayed connections are destroyed (after holding back one
   * direction, as for `cut`), but new connections are accepted and relayed at once.
   */
  drop(options?: { hold?: 'request' | 'response' }): Promise<void>;
  /** Accepts and relays again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A loopback TCP relay to `target`, for fault tests: point a client at `proxy.port`, then `cut()` and
 * `restore()` to simulate the target going away and coming back, without touching the target itself.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | undefined;
  let port = 0;
  let holding: 'request' | 'response' | undefined;
  let onHeld: (() => void) | undefined;

  const relay = (client: Socket) => {
    const upstream = tcpConnect({ host: target.host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Forwards, unless that direction is held: then the chunk is dropped and the waiting side never hears.
    const forward = (from: Socket, to: Socket, direction: 'request' | 'response') =>
      from.on('data', (chunk: Buffer) => {
        if (holding === direction) onHeld?.();
        else to.write(chunk);
      });
    forward(client, upstream, 'request');
    forward(upstream, client, 'response');
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(relay);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });

  const destroyAll = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  // Holds one direction back until something is held (a request or an answer in flight).
  const holdFirst = async (direction: 'request' | 'response' | undefined) => {
    if (!direction) return;
    holding = direction;
    // Safety net: with no traffic at all, go on after a while.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      onHeld = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    onHeld = undefined;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get open() {
      return pairs.size;
    },
    async cut(options = {}) {
      await holdFirst(options.hold);
      const closed = stopListening();
      destroyAll();
      holding = undefined;
      await closed;
    },
    async drop(options = {}) {
      await holdFirst(options.hold);
      destroyAll();
      holding = undefined;
    },
    async restore() {
      if (server) return;
      // The port was ours a moment ago; on loopback nobody else takes it in a few seconds, but say so if so.
      await listen().catch((error: unknown) => {
        throw new Error(`tcp proxy cannot listen on ${port} again: ${String(error)}`);
      });
    },
    async close() {
      const closed = stopListening();
      destroyAll();
      await closed;
    },
  };
}
