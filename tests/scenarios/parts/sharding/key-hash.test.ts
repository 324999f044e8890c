import { describe, expect, it } from 'vitest';
import { hashKey } from '../../../../scenarios/parts/sharding/key-hash.ts';

describe('hashKey', () => {
  it('matches the published murmur3 32-bit values', () => {
    expect(hashKey('')).toBe(0);
    expect(hashKey('hello')).toBe(0x248bfa47);
    expect(hashKey('hello, world')).toBe(0x149bbb7f);
  });

  it('hashes an integer id as its four little-endian bytes', () => {
    expect(hashKey(0x64636261)).toBe(hashKey('abcd'));
  });

  it('hashes any other number as its decimal text', () => {
    expect(hashKey(-7)).toBe(hashKey('-7'));
    expect(hashKey(1.5)).toBe(hashKey('1.5'));
  });

  it('spreads consecutive ids evenly over buckets', () => {
    const buckets = [0, 0, 0, 0, 0];

    for (let id = 1; id <= 50_000; id++) buckets[hashKey(id) % 5]!++;

    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
});
