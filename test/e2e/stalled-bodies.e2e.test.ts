import { randomUUID } from 'node:crypto';
import { type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, mediaFixture, storedMediaOf, uploadFile } from '../fixtures/media-files.js';
import { createUser, userInput } from '../support/factories.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

// One second of silence in a body cuts its connection.
const t = useTestApp({ env: { BODY_IDLE_TIMEOUT: '1' } });

// Safety net against a connection the server never cuts: not a speed goal.
const SAFETY_MS = 15_000;

/** A raw connection to the app, recording what the server sends and when it closes the connection. */
async function rawConnection(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = tcpConnect(t.app.port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${SAFETY_MS} ms`));
    }, SAFETY_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  closed.catch(() => {});
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => received, closed };
}

/** Sends the head of a request and the start of its body, then says nothing more; resolves once cut. */
async function stall(head: string, bodyStart: Buffer): Promise<void> {
  const connection = await rawConnection();
  connection.socket.write(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bodyStart]));
  await connection.closed;
}

function uploadHead(token: string, boundary: string, length: number): string {
  return [
    'POST /api/media HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${token}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${length}`,
    '',
  ].join('\r\n');
}

describe('BODY_IDLE_TIMEOUT', () => {
  it('cuts the connection of a JSON body that stops coming', async () => {
    const head = [
      'POST /api/auth/login HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      'Content-Length: 200',
      '',
    ].join('\r\n');
    await stall(head, Buffer.from('{"email":'));
    expect((await fetch(`${t.app.baseUrl}/api/health`)).status).toBe(200);
  });

  it('cuts the connection of a chunked body that stops coming', async () => {
    const head = [
      'POST /api/auth/login HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      '',
    ].join('\r\n');
    await stall(head, Buffer.from('9\r\n{"email":\r\n'));
  });

  it('cuts the connection of an upload that stops coming, and stores nothing of it', async () => {
    const user = await createUser(t.http);
    const before = filesUnder(join(t.app.dataDir, 'media'));
    const boundary = `----stall-${randomUUID()}`;
    const start = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="voice.ogg"\r\n` +
          'Content-Type: audio/ogg\r\n\r\n',
      ),
      mediaFixture('voice.ogg'),
    ]);
    await stall(uploadHead(user.accessToken, boundary, start.length + 100_000), start);
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 0, bytes: 0 });
    expect(filesUnder(join(t.app.dataDir, 'media'))).toEqual(before);
    // The service is still fine for the next upload of the same user.
    expect((await uploadFile(t.app.baseUrl, user.accessToken, mediaFixture('voice.ogg'))).status).toBe(201);
  });

  it('leaves websocket and long-polling sockets, and idle keep-alive connections, alone', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const ws = await t.online(a, { transport: 'websocket' });
    const polling = await t.online(b, { transport: 'polling' });
    let disconnects = 0;
    for (const socket of [ws, polling]) socket.on('disconnect', () => disconnects++);
    const keepAlive = await rawConnection();
    const login = JSON.stringify({ email: a.email, password: a.password });
    const loginRequest = [
      'POST /api/auth/login HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(login)}`,
      '',
      login,
    ].join('\r\n');
    keepAlive.socket.write(loginRequest);
    await expect.poll(() => keepAlive.received(), { timeout: SAFETY_MS }).toMatch(/accessToken/);

    // These were all quiet for longer than the idle timeout by the time it cut this one.
    await stall(
      [
        'POST /api/auth/login HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Length: 50',
        'Content-Type: application/json',
        '',
      ].join('\r\n'),
      Buffer.from('{'),
    );

    expect(disconnects).toBe(0);
    expect(ws.connected && polling.connected).toBe(true);
    await sendOk(ws, { receiverId: b.id, content: 'over websocket' });
    await sendOk(polling, { receiverId: a.id, content: 'over long-polling' });
    const answered = keepAlive.received().length;
    keepAlive.socket.write(loginRequest.replace(a.email, userInput().email));
    await expect
      .poll(() => keepAlive.received().slice(answered), { timeout: SAFETY_MS })
      .toMatch(/^HTTP\/1\.1 401/);
    keepAlive.socket.destroy();
  });
});
