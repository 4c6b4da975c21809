import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  filesUnder,
  heldUpload,
  mediaFixture,
  storedMediaOf,
  trickleUpload,
  uploadFile,
  wavOf,
} from '../fixtures/media-files.js';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';
import { useTestApp } from '../support/use-test-app.js';

const QUOTA = 16 * 1024;
const t = useTestApp({ env: { MEDIA_QUOTA_BYTES: String(QUOTA) } });

const mediaDir = () => join(t.app.dataDir, 'media');
const stored = () => filesUnder(mediaDir()).filter((file) => !file.endsWith('.part'));

// A condition the service makes true as it works; the limit is a safety net against a hang, not a speed goal.
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('MEDIA_QUOTA_BYTES', () => {
  it('refuses an upload past what is left with 413 MEDIA_QUOTA_EXCEEDED, saying how much is left, and keeps nothing of it', async () => {
    const user = await createUser(t.http);
    const first = await uploadFile(t.app.baseUrl, user.accessToken, wavOf(10_000));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 1, bytes: 10_000 });
    const left = QUOTA - 10_000;
    const before = filesUnder(mediaDir());

    const over = await uploadFile(t.app.baseUrl, user.accessToken, wavOf(left + 1));
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ statusCode: 413, code: 'MEDIA_QUOTA_EXCEEDED' });
    expect(over.body.message).toContain(`${left} bytes`);
    expect(filesUnder(mediaDir())).toEqual(before);
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 1, bytes: 10_000 });

    // Exactly what is left fits; after that, nothing does.
    const rest = await uploadFile(t.app.baseUrl, user.accessToken, wavOf(left));
    expect(rest.status, JSON.stringify(rest.body)).toBe(201);
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 2, bytes: QUOTA });
    const full = await uploadFile(t.app.baseUrl, user.accessToken, mediaFixture('voice.ogg'));
    expect(full.status).toBe(413);
    expect(full.body.code).toBe('MEDIA_QUOTA_EXCEEDED');
    expect(full.body.message).toContain('0 bytes');

    // The quota is each user's own.
    const other = await createUser(t.http);
    expect((await uploadFile(t.app.baseUrl, other.accessToken, mediaFixture('voice.ogg'))).status).toBe(201);
  });

  it('answers 413 MEDIA_QUOTA_EXCEEDED while a large upload is still being sent, and keeps nothing of it', async () => {
    const user = await createUser(t.http);
    const before = filesUnder(mediaDir());
    const total = 4 * 1024 * 1024;
    const res = await trickleUpload(t.app.baseUrl, user.accessToken, total);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('MEDIA_QUOTA_EXCEEDED');
    expect(res.sentWhenAnswered).toBeLessThan(total / 4);
    expect(filesUnder(mediaDir())).toEqual(before);
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 0, bytes: 0 });
  });

  it('lets only one of two concurrent uploads through when each fits but both do not', async () => {
    const user = await createUser(t.http);
    const size = 10_000;
    const before = stored();
    const parts = () => filesUnder(mediaDir()).filter((file) => file.endsWith('.part')).length;
    const held = [
      heldUpload(t.app.baseUrl, user.accessToken, wavOf(size)),
      heldUpload(t.app.baseUrl, user.accessToken, wavOf(size)),
    ];
    // Both are being written to storage, so both were let in while nothing was used yet.
    await until(() => parts() === 2, 'both uploads to reach storage');
    const answers = await Promise.all(held.map((upload) => upload.finish()));

    expect(answers.map((a) => a.status).sort()).toEqual([201, 413]);
    expect(answers.find((a) => a.status === 413)!.body.code).toBe('MEDIA_QUOTA_EXCEEDED');
    const winner = answers.find((a) => a.status === 201)!.body.id as string;
    expect(await storedMediaOf(t.app, user.id)).toEqual({ rows: 1, bytes: size });
    expect(filesUnder(mediaDir())).toEqual([...before, join(winner.slice(-2), winner)].sort());
  });
});

describe('UPLOAD_RATE_LIMIT', () => {
  it('refuses uploads past the per-user budget with 429 RATE_LIMITED and Retry-After, and stores nothing of them', async () => {
    const limited = await startTestApp({ env: { UPLOAD_RATE_LIMIT: '2/1h' } });
    try {
      const http = new HttpClient(limited.baseUrl);
      const [user, other] = [await createUser(http), await createUser(http)];
      const voice = mediaFixture('voice.ogg');
      for (let i = 0; i < 2; i++) {
        expect((await uploadFile(limited.baseUrl, user.accessToken, voice)).status).toBe(201);
      }
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(voice)]), 'voice.ogg');
      const refused = await fetch(`${limited.baseUrl}/api/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}` },
        body: form,
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await storedMediaOf(limited, user.id)).toEqual({ rows: 2, bytes: 2 * voice.length });
      // The budget is each user's own.
      expect((await uploadFile(limited.baseUrl, other.accessToken, voice)).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
