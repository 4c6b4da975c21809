import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

describe('health', () => {
  it('is alive', async () => {
    expect(await t.http.get('/api/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('is ready when the database (and Redis, when configured) answers', async () => {
    const res = await t.http.get('/api/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      database: 'ok',
      redis: process.env.REDIS_URL ? 'ok' : 'disabled',
    });
  });
});

describe('errors', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await t.http.request('POST', '/api/auth/login', {
      rawBody: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'The request body is not valid JSON',
        code: 'MALFORMED_JSON',
      },
    });
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await t.http.get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No such route',
      code: 'ROUTE_NOT_FOUND',
    });
  });

  it('answers what the router refuses (broken percent-encoding, a path parameter too long) with catalog codes', async () => {
    const broken = await t.http.get('/api/chats/%E0%A4%A/messages');
    expect(broken).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'The request is not valid HTTP',
        code: 'MALFORMED_REQUEST',
      },
    });
    const long = await t.http.get(`/api/chats/${'a'.repeat(300)}`);
    expect(long).toEqual({
      status: 414,
      body: {
        statusCode: 414,
        error: 'URI Too Long',
        message: 'A part of the request path is too long',
        code: 'URI_TOO_LONG',
      },
    });
  });

  it('answers an oversize body with 413 and no stack trace', async () => {
    const res = await t.http.request('POST', '/api/auth/login', {
      rawBody: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|node_modules/);
  });

  it('answers a JSON array where an object is expected with 400', async () => {
    const res = await t.http.post('/api/auth/register', [1, 2, 3]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers what Node refuses before any route (a URL too long, bytes that are not HTTP) in the same shape', async () => {
    const tooLong = await t.http.get(`/api/users?q=${'x'.repeat(20_000)}`);
    expect(tooLong.status).toBe(431);
    expect(tooLong.body).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: expect.any(String),
      code: 'HEADERS_TOO_LARGE',
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(t.app.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 'MALFORMED_REQUEST',
    });
  });
});
