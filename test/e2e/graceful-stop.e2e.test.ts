import { connect as tcpConnect } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.js';

// Safety net against a connection the server keeps open: not a speed goal (the keep-alive timeout that
// the bug waited for is far longer).
const SAFETY_MS = 15_000;

it('a request answered while the instance stops closes its keep-alive connection, so the stop completes', async () => {
  const app = await startTestApp();
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'not the password' });
  const socket = tcpConnect(app.port, '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const closedByServer = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server kept the connection open')), SAFETY_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  // A keep-alive request whose body is still coming when the stop begins.
  const head = [
    'POST /api/auth/login HTTP/1.1',
    'Host: 127.0.0.1',
    'Connection: keep-alive',
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  socket.write(head + body.slice(0, 10));

  const stopping = app.close();
  const server = app.app.getHttpServer();
  while (server.listening) await nextTurn();
  socket.write(body.slice(10));

  await closedByServer;
  await stopping;
  expect(received).toMatch(/^HTTP\/1\.1 401 /);
  expect(received).toContain('"code":"INVALID_CREDENTIALS"');
});
