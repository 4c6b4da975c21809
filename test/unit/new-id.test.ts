import { describe, expect, it } from 'vitest';
import { newId } from '../../src/common/ids/new-id.js';

describe('newId', () => {
  it('gives version-7 UUIDs, all different, in creation order, across pool refills', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not repeat random bits between ids of one pool', () => {
    // The last 8 bytes are random in every id: two ids sharing them would mean a pool slot was reused.
    const tails = Array.from({ length: 600 }, () => newId().slice(-12));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
