import { describe, expect, it } from 'vitest';
import { newId, safeUrl, youTubeId } from '../../web/src/urls.js';

describe('web client URL helpers', () => {
  it('lets only absolute http(s) URLs through', () => {
    expect(safeUrl('https://example.com/a.mp3')?.href).toBe('https://example.com/a.mp3');
    expect(safeUrl('http://example.com/a.mp4')?.protocol).toBe('http:');
    for (const bad of ['javascript:alert(1)', 'data:text/html,hi', '/relative', 'blob:x', '', null]) {
      expect(safeUrl(bad)).toBeNull();
    }
  });

  it('finds the video id of YouTube links, and nothing else', () => {
    const id = (value: string) => youTubeId(new URL(value));
    expect(id('https://www.youtube.com/watch?v=XOgZo66gKQA')).toBe('XOgZo66gKQA');
    expect(id('https://youtu.be/XOgZo66gKQA?t=3')).toBe('XOgZo66gKQA');
    expect(id('https://m.youtube.com/shorts/XOgZo66gKQA')).toBe('XOgZo66gKQA');
    expect(id('https://www.youtube.com/embed/XOgZo66gKQA')).toBe('XOgZo66gKQA');
    expect(id('https://www.youtube.com/watch?v=bad"id<x>')).toBeNull();
    expect(id('https://evil.example/watch?v=XOgZo66gKQA')).toBeNull();
    expect(id('https://youtube.com.evil.example/watch?v=XOgZo66gKQA')).toBeNull();
  });

  it('makes v4 uuids without a secure context', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
