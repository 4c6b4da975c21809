// One client process of the idle mode: opens its share of the idle Socket.IO connections, cycling the
// loopback source address (127.0.0.1, .2, …) so the ~28k ephemeral ports of one address are no limit,
// holds them, and answers the bench over IPC. Started by bench/lib/idle.mjs, never by hand.
//
// localAddress: socket.io-client hands its options to engine.io-client, whose websocket transport picks
// `localAddress` (with agent, family, …) into the options of `new ws.WebSocket()`; ws passes them to
// http.request() and, through its createConnection, to net.connect(), which binds to that address.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io } from 'socket.io-client';

// The longest this process went without running its event loop: a client that stalls past the server's
// ping timeout loses its connections, and that would be the client's doing, not the service's.
const loopDelay = monitorEventLoopDelay({ resolution: 50 });
loopDelay.enable();

const send = (message) => process.send?.(message);
const sockets = [];
const failures = {};
const localAddressesSeen = {};
let connected = 0;
let failed = 0;
let disconnects = 0;
// Why connections dropped while idle (Socket.IO's disconnect reason), and when, in s since the start.
const disconnectReasons = {};
let startedAtMs = Date.now();
let firstDisconnectS = null;
let closing = false;

function open(url, auth, localAddress) {
  return new Promise((resolve) => {
    const socket = io(`${url}/chat`, {
      auth,
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 60_000,
      localAddress,
    });
    socket.once('connect', () => {
      connected += 1;
      const seen = socket.io.engine?.transport?.ws?._socket?.localAddress ?? 'unknown';
      localAddressesSeen[seen] = (localAddressesSeen[seen] ?? 0) + 1;
      socket.on('disconnect', (reason) => {
        if (closing) return;
        disconnects += 1;
        disconnectReasons[reason] = (disconnectReasons[reason] ?? 0) + 1;
        firstDisconnectS ??= (Date.now() - startedAtMs) / 1000;
      });
      sockets.push(socket);
      resolve();
    });
    socket.once('connect_error', (error) => {
      failed += 1;
      failures[error.message] = (failures[error.message] ?? 0) + 1;
      socket.close();
      resolve();
    });
  });
}

async function start({ url, auths, offset, count, localAddresses, concurrency }) {
  const startedAt = Date.now();
  startedAtMs = startedAt;
  const cpuStart = process.cpuUsage();
  const progress = setInterval(() => send({ type: 'progress', connected, failed }), 500);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = offset + next++;
      await open(url, auths[index % auths.length], localAddresses[index % localAddresses.length]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  clearInterval(progress);
  send({
    type: 'connected',
    connected,
    failed,
    failures,
    localAddressesSeen,
    startedAt,
    finishedAt: Date.now(),
    cpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuStart)),
    memory: process.memoryUsage(),
  });
}

process.on('message', (message) => {
  if (message.type === 'start') {
    start(message).catch((error) => send({ type: 'error', error: String(error?.stack ?? error) }));
  } else if (message.type === 'status') {
    send({
      type: 'status',
      open: sockets.filter((s) => s.connected).length,
      disconnects,
      disconnectReasons,
      firstDisconnectS,
      maxLoopDelayMs: loopDelay.max / 1e6,
    });
  } else if (message.type === 'close') {
    closing = true;
    for (const socket of sockets) socket.close();
    send({ type: 'closed', disconnects });
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0)); // the bench went away
send({ type: 'ready' });
