import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: s3rver ships no type declarations
import S3rver from '@20minutes/s3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, mediaFixture, trickleUpload, uploadFile, wavHeader } from '../fixtures/media-files.js';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Above lib-storage's 5 MiB part, so that one test goes through a real multipart upload.
const MAX_BYTES = 8 * 1024 * 1024;
const BUCKET = 'chat-media';
// s3rver accepts only this key pair.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface FakeS3 {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

let s3: FakeS3;
let s3Dir: string;
let app: TestApp;
let http: HttpClient;

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'live-chat-s3-'));
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET }],
  }) as FakeS3;
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  app = await startTestApp({
    env: {
      MEDIA_MAX_BYTES: String(MAX_BYTES),
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
  });
  http = new HttpClient(app.baseUrl);
});
afterAll(async () => {
  await app?.close();
  await s3?.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

// s3rver's own folder says what the bucket holds (its bucket listing miscomputes signatures).
function objectKeys(): string[] {
  const suffix = '._S3rver_object';
  return filesUnder(join(s3Dir, BUCKET))
    .filter((file) => file.endsWith(suffix))
    .map((file) => file.slice(0, -suffix.length))
    .sort();
}

describe('media in an S3-compatible bucket', () => {
  it('stores an upload as an object (nothing on disk) and serves it whole, by range and as 304', async () => {
    const user = await createUser(http);
    const bytes = mediaFixture('voice.ogg');
    const res = await uploadFile(app.baseUrl, user.accessToken, bytes, { filename: 'note.webm' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      mediaType: 'AUDIO',
      contentType: 'audio/ogg; codecs=opus',
      size: bytes.length,
    });
    const id: string = res.body.id;
    expect(objectKeys()).toContain(`media/${id.slice(-2)}/${id}`);
    expect(filesUnder(join(app.dataDir, 'media'))).toEqual([]);

    const auth = { authorization: `Bearer ${user.accessToken}` };
    const whole = await fetch(`${app.baseUrl}${res.body.url}`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/ogg; codecs=opus');
    expect(whole.headers.get('etag')).toBe(`"${id}"`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const range = await fetch(`${app.baseUrl}${res.body.url}`, {
      headers: { ...auth, range: 'bytes=10-29' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 10-29/${bytes.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(10, 30))).toBe(true);

    const current = await fetch(`${app.baseUrl}${res.body.url}`, {
      headers: { ...auth, 'if-none-match': `"${id}"` },
    });
    expect(current.status).toBe(304);
  });

  it('streams a file larger than one part through a multipart upload', async () => {
    const user = await createUser(http);
    const size = 6 * 1024 * 1024;
    const samples = Buffer.alloc(size - 44);
    for (let i = 0; i < samples.length; i += 4096) samples.writeUInt32LE(i, i);
    const wav = Buffer.concat([wavHeader(size - 44), samples]);
    const res = await uploadFile(app.baseUrl, user.accessToken, wav, { filename: 'long.wav' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ mediaType: 'AUDIO', contentType: 'audio/wav', size });

    const end = await fetch(`${app.baseUrl}${res.body.url}`, {
      headers: { authorization: `Bearer ${user.accessToken}`, range: `bytes=${size - 8192}-` },
    });
    expect(end.status).toBe(206);
    expect(Buffer.from(await end.arrayBuffer()).equals(wav.subarray(size - 8192))).toBe(true);
  });

  it('answers 413 past MEDIA_MAX_BYTES and leaves no object behind', async () => {
    const user = await createUser(http);
    const before = objectKeys();
    const res = await trickleUpload(app.baseUrl, user.accessToken, 3 * MAX_BYTES);
    expect(res.status).toBe(413);
    expect(res.sentWhenAnswered).toBeLessThan(2 * MAX_BYTES);
    expect(objectKeys()).toEqual(before);
  });

  it('refuses what is not audio or video with 415, before anything reaches the bucket', async () => {
    const user = await createUser(http);
    const before = objectKeys();
    const res = await uploadFile(app.baseUrl, user.accessToken, Buffer.from('%PDF-1.7\n'.repeat(100)), {
      filename: 'talk.mp3',
      type: 'audio/mpeg',
    });
    expect(res.status).toBe(415);
    expect(objectKeys()).toEqual(before);
  });
});
