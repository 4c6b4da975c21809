// A receiver thread of `--group N`: holds its share of the group's member sockets (members that do not
// send), counts and times their chat:message_receive (bench/lib/group-deliveries.mjs) and answers the bench
// process over the thread's port. Started by bench/lib/group-receivers.mjs, never by hand.
import { parentPort, workerData } from 'node:worker_threads';
import hdr from 'hdr-histogram-js';
import { GroupDeliveries } from './group-deliveries.mjs';
import { connect } from './socket.mjs';
import { mapLimit } from './users.mjs';

const { url, transport, chatId, members, mainTimeOrigin } = workerData;
const deliveries = new GroupDeliveries({ chatId, offsetMs: performance.timeOrigin - mainTimeOrigin });
let sockets = [];

const totals = () => ({
  byMember: [...deliveries.byMember],
  inWindow: deliveries.inWindow,
  misdelivered: deliveries.misdelivered,
  disconnects: deliveries.disconnects,
});

const seconds = setInterval(
  () => parentPort.postMessage({ type: 'second', count: deliveries.takeSecond() }),
  1000,
);

parentPort.on('message', (message) => {
  switch (message.type) {
    case 'window':
      deliveries.window = { start: message.start, end: message.end };
      break;
    case 'totals':
      parentPort.postMessage({ type: 'totals', ...totals() });
      break;
    case 'finish':
      clearInterval(seconds);
      for (const socket of sockets) socket.close();
      parentPort.postMessage({
        type: 'result',
        ...totals(),
        hdrBase64: hdr.encodeIntoCompressedBase64(deliveries.latency),
      });
      parentPort.close();
      break;
  }
});

try {
  sockets = await mapLimit(members.length, 32, (i) => connect(url, members[i].auth, transport));
  sockets.forEach((socket, i) => {
    deliveries.attach(socket, members[i].index);
  });
  parentPort.postMessage({ type: 'connected', count: sockets.length });
} catch (error) {
  parentPort.postMessage({ type: 'error', error: String(error?.stack ?? error) });
}
