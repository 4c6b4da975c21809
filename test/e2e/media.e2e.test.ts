import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseByteRange } from '../../src/media/byte-range.js';
import { MediaLinks } from '../../src/media/media-links.js';
import {
  filesUnder,
  mediaFixture,
  rawRequest,
  storedMediaOf,
  trickleUpload,
  truncatedUpload,
  uploadFile,
  uploadWithHeaders,
  wavHeader,
} from '../fixtures/media-files.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, closeAll, connect, Inbox, send, sendOk, settle } from '../support/socket.js';
import { settledConfig, startTestApp, type TestApp, testSecret } from '../support/test-app.js';

// Small, so that the oversize test streams a few hundred kilobytes rather than 100 MB.
const MAX_BYTES = 64 * 1024;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let app: TestApp;
let http: HttpClient;
const open: ClientSocket[] = [];

beforeAll(async () => {
  app = await startTestApp({ env: { MEDIA_MAX_BYTES: String(MAX_BYTES) } });
  http = new HttpClient(app.baseUrl);
});
afterAll(async () => {
  closeAll(...open);
  await app.close();
});

async function online(user: TestUser): Promise<ClientSocket> {
  const socket = await connect(app.baseUrl, { token: user.accessToken });
  open.push(socket);
  return socket;
}

async function uploaded(user: TestUser, name: Parameters<typeof mediaFixture>[0] = 'voice.ogg') {
  const res = await uploadFile(app.baseUrl, user.accessToken, mediaFixture(name), { filename: name });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; url: string; mediaType: string; contentType: string; size: number };
}

function get(path: string, token?: string, headers: Record<string, string> = {}) {
  return fetch(`${app.baseUrl}${path}`, {
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
}

const mediaDir = () => join(app.dataDir, 'media');

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('POST /api/media', () => {
  it.each([
    ['voice.ogg', 'AUDIO', 'audio/ogg; codecs=opus'],
    ['voice.mp3', 'AUDIO', 'audio/mpeg'],
    ['clip.mp4', 'VIDEO', 'video/mp4'],
    ['clip.webm', 'VIDEO', 'video/webm'],
  ] as const)(
    'stores %s as %s, typed from its bytes, not its name or declared type',
    async (name, mediaType, contentType) => {
      const user = await createUser(http);
      const bytes = mediaFixture(name);
      const res = await uploadFile(app.baseUrl, user.accessToken, bytes, {
        filename: 'whatever.txt',
        type: 'text/plain',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID_V7),
        url: `/api/media/${res.body.id}`,
        mediaType,
        contentType,
        size: bytes.length,
      });
      expect(filesUnder(mediaDir())).toContain(join(res.body.id.slice(-2), res.body.id));
    },
  );

  it('refuses a text file named .mp3 and declared audio/mpeg with 415, and stores nothing', async () => {
    const user = await createUser(http);
    const before = filesUnder(mediaDir());
    const res = await uploadFile(
      app.baseUrl,
      user.accessToken,
      Buffer.from('not a song, only words\n'.repeat(50)),
      {
        filename: 'song.mp3',
        type: 'audio/mpeg',
      },
    );
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(filesUnder(mediaDir())).toEqual(before);
  });

  it('refuses an image too: only audio and video are media here', async () => {
    const user = await createUser(http);
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const res = await uploadFile(app.baseUrl, user.accessToken, png, {
      filename: 'a.mp4',
      type: 'video/mp4',
    });
    expect(res.status).toBe(415);
  });

  it('answers 413 as soon as MEDIA_MAX_BYTES is passed, before the client has sent it all, and removes the part stored', async () => {
    const user = await createUser(http);
    const before = filesUnder(mediaDir());
    const total = 4 * 1024 * 1024;
    const res = await trickleUpload(app.baseUrl, user.accessToken, total);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(res.sentWhenAnswered).toBeGreaterThan(MAX_BYTES);
    expect(res.sentWhenAnswered).toBeLessThan(total / 4);
    // The upload had reached storage (its folder exists), and nothing of it is left there.
    expect(existsSync(mediaDir())).toBe(true);
    expect(filesUnder(mediaDir())).toEqual(before);
    // The service is still fine for the next upload.
    await uploaded(user);
  });

  it('answers 413 to a client that sends an oversize file in one go, and the connection stays usable', async () => {
    const user = await createUser(http);
    const big = Buffer.concat([wavHeader(1024 * 1024), Buffer.alloc(1024 * 1024)]);
    const res = await uploadFile(app.baseUrl, user.accessToken, big, { filename: 'big.wav' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await uploaded(user);
  });

  it('accepts a file of exactly MEDIA_MAX_BYTES', async () => {
    const user = await createUser(http);
    const wav = Buffer.concat([wavHeader(MAX_BYTES - 44), Buffer.alloc(MAX_BYTES - 44)]);
    const res = await uploadFile(app.baseUrl, user.accessToken, wav, { filename: 'full.wav' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ mediaType: 'AUDIO', contentType: 'audio/wav', size: MAX_BYTES });
  });

  it('answers 400 to a multipart body that breaks off inside the file, and stores nothing', async () => {
    const user = await createUser(http);
    const before = filesUnder(mediaDir());
    const res = await truncatedUpload(app.baseUrl, user.accessToken, mediaFixture('voice.ogg'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(filesUnder(mediaDir())).toEqual(before);
    expect(await storedMediaOf(app, user.id)).toEqual({ rows: 0, bytes: 0 });
    // The service is still fine for the next upload.
    await uploaded(user);
  });

  it('needs a bearer token (401), a multipart body (415) and the file in the field "file" (400)', async () => {
    const user = await createUser(http);
    const voice = mediaFixture('voice.ogg');
    expect((await uploadFile(app.baseUrl, undefined, voice)).status).toBe(401);
    expect((await uploadFile(app.baseUrl, 'forged', voice)).status).toBe(401);
    const json = await http.post('/api/media', { file: 'x' }, user.accessToken);
    expect(json.status).toBe(415);
    expect(json.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const wrongField = await uploadFile(app.baseUrl, user.accessToken, voice, { field: 'audio' });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /api/media/:id', () => {
  it('serves the whole file with its type, length, ETag and Cache-Control; 304 for a current copy', async () => {
    const user = await createUser(http);
    const media = await uploaded(user, 'clip.mp4');
    const res = await get(`/api/media/${media.id}`, user.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(media.size));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(`"${media.id}"`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(Buffer.from(await res.arrayBuffer()).equals(mediaFixture('clip.mp4'))).toBe(true);

    const again = await get(`/api/media/${media.id}`, user.accessToken, { 'if-none-match': `"${media.id}"` });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(`"${media.id}"`);
    expect(await again.text()).toBe('');
  });

  it('serves byte ranges with 206 so that players can seek, and 416 past the end', async () => {
    const user = await createUser(http);
    const media = await uploaded(user, 'voice.mp3');
    const bytes = mediaFixture('voice.mp3');

    const middle = await get(`/api/media/${media.id}`, user.accessToken, { range: 'bytes=100-199' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(middle.headers.get('content-length')).toBe('100');
    expect(middle.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

    const open = await get(`/api/media/${media.id}`, user.accessToken, { range: 'bytes=1000-' });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe(`bytes 1000-${bytes.length - 1}/${bytes.length}`);
    expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(1000))).toBe(true);

    const tail = await get(`/api/media/${media.id}`, user.accessToken, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).toBe(true);

    const past = await get(`/api/media/${media.id}`, user.accessToken, { range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(await errorCode(past)).toBe('RANGE_NOT_SATISFIABLE');

    // A range of another copy than the one named in If-Range would corrupt it: the whole file comes instead.
    const stale = await get(`/api/media/${media.id}`, user.accessToken, {
      range: 'bytes=0-9',
      'if-range': '"old"',
    });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it('answers HEAD with the headers of the file and no body', async () => {
    const user = await createUser(http);
    const media = await uploaded(user, 'clip.webm');
    const res = await fetch(`${app.baseUrl}/api/media/${media.id}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(media.size));
    expect(res.headers.get('content-type')).toBe('video/webm');
  });

  it('refuses a request without credentials with 401, and anyone without access with 404 like an unknown id', async () => {
    const [owner, stranger] = [await createUser(http), await createUser(http)];
    const media = await uploaded(owner);
    const anonymous = await get(`/api/media/${media.id}`);
    expect(anonymous.status).toBe(401);
    expect(await errorCode(anonymous)).toBe('UNAUTHORIZED');

    const notTheirs = await get(`/api/media/${media.id}`, stranger.accessToken);
    const unknown = await get('/api/media/0190f5d2-2f6b-7cc0-8d33-0b9e4f6e1a2b', stranger.accessToken);
    expect(notTheirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await notTheirs.json()).toEqual(await unknown.json());
    expect((await http.get(`/api/media/${media.id}/link`, stranger.accessToken)).status).toBe(404);
  });

  it('gives short-lived signed URLs that <audio> and <video> can load without a header', async () => {
    const user = await createUser(http);
    const media = await uploaded(user);
    const link = await http.get(`/api/media/${media.id}/link`, user.accessToken);
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(new RegExp(`^${media.url}\\?exp=\\d+&sig=[\\w-]+$`));
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(55 * 60 * 1000);

    const viaLink = await get(link.body.url, undefined, { range: 'bytes=0-3' });
    expect(viaLink.status).toBe(206);
    expect(await viaLink.text()).toBe('OggS');

    const sign = (id: string, exp: number) =>
      createHmac('sha256', testSecret).update(`media:${id}:${exp}`).digest('base64url');
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = await get(`${media.url}?exp=${past}&sig=${sign(media.id, past)}`);
    expect(expired.status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 3600;
    const forged = await get(`${media.url}?exp=${future}&sig=${sign(media.id, future).replace(/^./, 'A')}x`);
    expect(forged.status).toBe(401);
    const otherExp = await get(
      link.body.url.replace(/exp=(\d+)/, (_: string, exp: string) => `exp=${Number(exp) + 1}`),
    );
    expect(otherExp.status).toBe(401);
  });
});

describe('media messages over Socket.IO', () => {
  it('carries an upload from sender to receiver with the stored type, and lets the receiver fetch it', async () => {
    const [sender, receiver, stranger] = [
      await createUser(http),
      await createUser(http),
      await createUser(http),
    ];
    const media = await uploaded(sender, 'voice.ogg');
    const link = await http.get(`/api/media/${media.id}/link`, sender.accessToken);
    const [s, r] = [await online(sender), await online(receiver)];
    const inbox = new Inbox(r, 'chat:message_receive');

    // The client claims VIDEO and sends the signed URL, made absolute: the stored type wins, and the message
    // carries the plain relative link, without the host or the signature.
    const ack = await send(s, {
      receiverId: receiver.id,
      content: 'listen to this',
      mediaUrl: `${app.baseUrl}${link.body.url}`,
      LiveMediaType: 'VIDEO',
    });
    expect(ack).toMatchObject({ ok: true, message: { mediaUrl: media.url, mediaType: 'AUDIO' } });
    const [received] = await inbox.waitFor(1);
    expect(received).toMatchObject({ content: 'listen to this', mediaUrl: media.url, mediaType: 'AUDIO' });
    expect(received!.sender.id).toBe(sender.id);

    const fetched = await get(received!.mediaUrl!, receiver.accessToken);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(mediaFixture('voice.ogg'))).toBe(true);
    expect((await http.get(`/api/media/${media.id}/link`, receiver.accessToken)).status).toBe(200);
    expect((await get(`/api/media/${media.id}`, stranger.accessToken)).status).toBe(404);

    const history = await http.get(`/api/chats/${received!.chatId}/messages`, receiver.accessToken);
    expect(history.body.items[0]).toMatchObject({ mediaUrl: media.url, mediaType: 'AUDIO' });
  });

  it("refuses someone else's upload in a chat it was never sent to with MEDIA_NOT_FOUND, and stores nothing", async () => {
    const [owner, receiver, third] = [await createUser(http), await createUser(http), await createUser(http)];
    const media = await uploaded(owner, 'clip.mp4');
    const [o, r, t] = [await online(owner), await online(receiver), await online(third)];
    const thirdInbox = new Inbox(t, 'chat:message_receive');

    const before = await send(r, { receiverId: third.id, content: 'look', mediaUrl: media.url });
    expect(before).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });

    await sendOk(o, { receiverId: receiver.id, content: 'a clip', mediaUrl: media.url });
    // Sent to the owner's chat with the receiver, it may go back there, but not on to a third person.
    const back = await sendOk(r, { receiverId: owner.id, content: 'again', mediaUrl: media.url });
    expect(back.mediaType).toBe('VIDEO');
    const onward = await send(r, { receiverId: third.id, content: 'look', mediaUrl: media.url });
    expect(onward).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });
    expect((await get(`/api/media/${media.id}`, third.accessToken)).status).toBe(404);

    const unknown = `${app.baseUrl}/api/media/0190f5d2-2f6b-7cc0-8d33-0b9e4f6e1a2b`;
    const ghost = await send(o, { receiverId: third.id, content: 'ghost', mediaUrl: unknown });
    expect(ghost).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });

    const chats = await http.get('/api/chats', third.accessToken);
    for (const chat of chats.body.items) expect(chat.lastMessage).toBeNull();
    expect(thirdInbox.items).toEqual([]);
  });

  it("keeps a sender's order while a media check is in flight: later messages wait behind it", async () => {
    const [sender, receiver] = [await createUser(http), await createUser(http)];
    const media = await uploaded(sender, 'voice.mp3');
    const [s, r] = [await online(sender), await online(receiver)];
    const inbox = new Inbox(r, 'chat:message_receive');
    await sendOk(s, { receiverId: receiver.id, content: 'first' });
    await inbox.waitFor(1);
    inbox.items.length = 0;

    const acks = await Promise.all([
      send(s, { receiverId: receiver.id, content: 'before' }),
      send(s, { receiverId: receiver.id, content: 'voice', mediaUrl: media.url }),
      send(s, { receiverId: receiver.id, content: 'after 1' }),
      send(s, { receiverId: receiver.id, content: 'bad', mediaUrl: `${media.url.slice(0, -4)}beef` }),
      send(s, { receiverId: receiver.id, content: 'after 2' }),
      send(s, { receiverId: receiver.id, content: 'voice again', mediaUrl: media.url }),
      send(s, { receiverId: receiver.id, content: 'after 3' }),
    ]);
    expect(acks.map((a) => a.ok)).toEqual([true, true, true, false, true, true, true]);
    const received = await inbox.waitFor(6);
    expect(received.map((m) => m.content)).toEqual([
      'before',
      'voice',
      'after 1',
      'after 2',
      'voice again',
      'after 3',
    ]);
    expect(received.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(received.map((m) => m.mediaType)).toEqual([null, 'AUDIO', null, null, 'AUDIO', null]);
  });

  it('leaves links to other sites as they were: their type is the claimed or inferred one', async () => {
    const [sender, receiver] = [await createUser(http), await createUser(http)];
    const s = await online(sender);
    const message = await sendOk(s, {
      receiverId: receiver.id,
      content: 'elsewhere',
      mediaUrl: 'https://cdn.example.com/media/clip.mp3?x=1',
    });
    expect(message).toMatchObject({
      mediaUrl: 'https://cdn.example.com/media/clip.mp3?x=1',
      mediaType: 'AUDIO',
    });
  });
});

describe('upload links', () => {
  // What a client could claim about where it sent the request; none of it may end up in a link.
  const forged = { host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' };

  it('come from the service, never from the Host header: relative without PUBLIC_URL', async () => {
    const user = await createUser(http);
    const upload = await uploadWithHeaders(app.baseUrl, user.accessToken, mediaFixture('voice.ogg'), forged);
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    const id: string = upload.body.id;
    expect(upload.body.url).toBe(`/api/media/${id}`);

    const link = await rawRequest(`${app.baseUrl}/api/media/${id}/link`, {
      headers: { ...forged, authorization: `Bearer ${user.accessToken}` },
    });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(new RegExp(`^/api/media/${id}\\?exp=\\d+&sig=[\\w-]+$`));

    // A message that names the upload on some other host carries our own link instead.
    const s = await online(user);
    const message = await sendOk(s, {
      receiverId: user.id,
      content: 'note',
      mediaUrl: `http://evil.test/api/media/${id}`,
    });
    expect(message.mediaUrl).toBe(`/api/media/${id}`);
    expect(JSON.stringify([upload.body, link.body, message])).not.toContain('evil.test');
  });

  it('are under PUBLIC_URL when it is set, whatever the Host header says', async () => {
    const base = 'https://chat.example.com/live';
    const pub = await startTestApp({ env: { PUBLIC_URL: `${base}/` } });
    let socket: ClientSocket | undefined;
    try {
      const user = await createUser(new HttpClient(pub.baseUrl));
      const upload = await uploadWithHeaders(
        pub.baseUrl,
        user.accessToken,
        mediaFixture('voice.mp3'),
        forged,
      );
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
      const id: string = upload.body.id;
      expect(upload.body.url).toBe(`${base}/api/media/${id}`);
      const link = await rawRequest(`${pub.baseUrl}/api/media/${id}/link`, {
        headers: { ...forged, authorization: `Bearer ${user.accessToken}` },
      });
      expect(link.body.url).toMatch(new RegExp(`^${base}/api/media/${id}\\?exp=\\d+&sig=[\\w-]+$`));

      // Sent as handed out, or as our relative path: the message carries the link under PUBLIC_URL.
      socket = await connect(pub.baseUrl, { token: user.accessToken });
      for (const mediaUrl of [upload.body.url, `/api/media/${id}`]) {
        const message = await sendOk(socket, { receiverId: user.id, content: '', mediaUrl });
        expect(message).toMatchObject({ mediaUrl: `${base}/api/media/${id}`, mediaType: 'AUDIO' });
      }
    } finally {
      closeAll(socket);
      await pub.close();
    }
  });

  it('are taken back as a relative mediaUrl in exactly the form handed out; no other relative URL is', async () => {
    const [sender, receiver] = [await createUser(http), await createUser(http)];
    const media = await uploaded(sender);
    const [s, r] = [await online(sender), await online(receiver)];
    const inbox = new Inbox(r, 'chat:message_receive');
    const message = await sendOk(s, {
      receiverId: receiver.id,
      content: '',
      mediaUrl: `/api/media/${media.id.toUpperCase()}`,
    });
    expect(message).toMatchObject({ mediaUrl: media.url, mediaType: 'AUDIO' });

    const refused = [
      `/api/media/${media.id}?exp=1&sig=x`,
      `/api/media/${media.id}/link`,
      `/api/media/${media.id}/`,
      `//evil.test/api/media/${media.id}`,
      `api/media/${media.id}`,
      '/api/media/not-an-id',
      '/clip.mp4',
    ];
    for (const mediaUrl of refused) {
      const ack = await send(s, { receiverId: receiver.id, content: 'x', mediaUrl });
      expect(ack, mediaUrl).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    await inbox.waitFor(1);
    await settle(r);
    expect(inbox.items.map((m) => m.id)).toEqual([message.id]);
  });
});

// The rules behind the URLs and ranges above, for the cases a running app does not reach.
describe('media links and ranges', () => {
  const id = '0190f5d2-2f6b-7cc0-8d33-0b9e4f6e1a2b';
  const linksFor = (env: Record<string, string>) =>
    new MediaLinks(settledConfig({ DATA_DIR: app.dataDir, ...env }));

  it('under PUBLIC_URL, hands out URLs below it and counts those and our relative path as uploads', () => {
    const links = linksFor({ PUBLIC_URL: 'https://chat.example.com/live/' });
    expect(links.urlOf(id)).toBe(`https://chat.example.com/live/api/media/${id}`);
    expect(links.signedUrlOf(id).url).toMatch(
      new RegExp(`^https://chat\\.example\\.com/live/api/media/${id}\\?exp=\\d+&sig=[\\w-]+$`),
    );
    expect(links.uploadIdOf(`https://chat.example.com/live/api/media/${id.toUpperCase()}?exp=1&sig=x`)).toBe(
      id,
    );
    expect(links.uploadIdOf(`/api/media/${id}`)).toBe(id);
    expect(links.uploadIdOf(`https://chat.example.com/api/media/${id}`)).toBeNull();
    expect(links.uploadIdOf(`https://elsewhere.example.com/live/api/media/${id}`)).toBeNull();
    expect(links.uploadIdOf(`https://chat.example.com/live/api/media/${id}/link`)).toBeNull();
  });

  it('without PUBLIC_URL, hands out relative URLs and knows an upload by its path, relative or on any host', () => {
    const links = linksFor({});
    expect(links.urlOf(id)).toBe(`/api/media/${id}`);
    expect(links.signedUrlOf(id).url).toMatch(new RegExp(`^/api/media/${id}\\?exp=\\d+&sig=[\\w-]+$`));
    expect(links.uploadIdOf(`/api/media/${id.toUpperCase()}`)).toBe(id);
    expect(links.uploadIdOf(`http://localhost:5056/api/media/${id}?exp=1&sig=x#t=3`)).toBe(id);
    expect(links.uploadIdOf('https://www.youtube.com/watch?v=XOgZo66gKQA')).toBeNull();
    for (const other of [
      `/api/media/${id}?exp=1&sig=x`,
      `//evil.test/api/media/${id}`,
      `/api/media/${id}/link`,
    ]) {
      expect(links.uploadIdOf(other)).toBeNull();
    }
  });

  it('reads one byte range, ignores what it may ignore, and knows an unsatisfiable one', () => {
    expect(parseByteRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseByteRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseByteRange('bytes=-100', 10)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 10)).toBe('unsatisfiable');
    for (const ignored of [undefined, 'items=0-1', 'bytes=0-1,4-5', 'bytes=5-2', 'bytes=-', 'bytes=a-b']) {
      expect(parseByteRange(ignored, 10)).toBeUndefined();
    }
  });
});
