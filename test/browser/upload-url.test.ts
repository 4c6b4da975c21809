import { describe, expect, it } from 'vitest';
import { mediaUrlOf, safeUrl } from '../../web/src/urls.js';

const ORIGIN = 'http://localhost:5056';
const ID = '0190f5d2-2f6b-7cc0-8d33-0b9e4f6e1a2b';

describe('web client: media URLs of uploads', () => {
  it("plays the service's relative upload path from the service's own origin", () => {
    expect(mediaUrlOf(`/api/media/${ID}`, ORIGIN)?.href).toBe(`${ORIGIN}/api/media/${ID}`);
    expect(mediaUrlOf(`https://chat.example.com/api/media/${ID}`, ORIGIN)?.href).toBe(
      `https://chat.example.com/api/media/${ID}`,
    );
    expect(mediaUrlOf('https://example.com/a.mp3', ORIGIN)?.href).toBe('https://example.com/a.mp3');
  });

  it('takes no other relative URL, and nothing that is not http(s)', () => {
    for (const bad of [
      `//evil.example/api/media/${ID}`,
      `/api/media/${ID}/link`,
      '/relative/a.mp4',
      'javascript:alert(1)',
      '',
      null,
    ]) {
      expect(mediaUrlOf(bad, ORIGIN)).toBeNull();
    }
  });

  it("resolves a signed link against the service's origin, keeping it http(s)", () => {
    expect(safeUrl(`/api/media/${ID}?exp=1&sig=x`, ORIGIN)?.href).toBe(
      `${ORIGIN}/api/media/${ID}?exp=1&sig=x`,
    );
    expect(safeUrl('https://chat.example.com/a?exp=1', ORIGIN)?.href).toBe(
      'https://chat.example.com/a?exp=1',
    );
    expect(safeUrl('javascript:alert(1)', ORIGIN)).toBeNull();
  });
});
