// The load's client side: one socket.io-client connection per socket, and the timed message content.
import { io } from 'socket.io-client';

export function connect(url, auth, transport) {
  const socket = io(`${url}/chat`, {
    auth,
    transports: [transport],
    forceNew: true, // one connection per socket: no multiplexing of pairs over one Manager
    reconnection: false, // a dropped connection is an error to count, not something to hide
    timeout: 30_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new Error(`connect to ${url}/chat failed: ${error.message}`));
    });
  });
}

/** `<send time in µs>:` then padding up to `size` characters. */
export function content(sentUs, size) {
  const stamp = `${sentUs}:`;
  return stamp + 'x'.repeat(Math.max(0, size - stamp.length));
}

export const nowUs = () => Math.round(performance.now() * 1000);
