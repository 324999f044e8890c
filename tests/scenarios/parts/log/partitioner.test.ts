import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import {
  customPartitioner,
  keyHashPartitioner,
  murmur2,
  murmur2OfAscii,
  partitionForKey,
  roundRobinPartitioner,
  stickyPartitioner,
  utf8Bytes,
} from '../../../../scenarios/parts/log/partitioner.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('partitioners', () => {
  it("encodes keys to UTF-8 exactly as the platform's TextEncoder does, surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect([...utf8Bytes(text)]).toEqual([...new TextEncoder().encode(text)]);
      }),
      { seed: 3, numRuns: 2000 },
    );
  });

  it('computes murmur2 exactly as Kafka does (its own test vectors)', () => {
    expect(murmur2(bytes('21'))).toBe(-973932308);
    expect(murmur2(bytes('foobar'))).toBe(-790332482);
    expect(murmur2(bytes('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(bytes('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(bytes('abc'))).toBe(479470107);
  });

  it('hashes an ASCII key read from the string as it hashes its UTF-8 bytes, and declines any other', () => {
    for (const text of ['', 'a', 'ab', 'abc', '21', 'foobar', 'user-42', 'acct-hot#3', 'o17.charge', 'a-little-bit-longer-string']) {
      expect(murmur2OfAscii(text)).toBe(murmur2(bytes(text)));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (text) => {
        expect(murmur2OfAscii(text)).toBe(murmur2(bytes(text)));
      }),
      { seed: 7 },
    );
    expect(murmur2OfAscii('café')).toBeNull();
    expect(murmur2OfAscii('naïve-key')).toBeNull();
    expect(partitionForKey('café', 7)).toBe((murmur2(bytes('café')) & 0x7fffffff) % 7);
  });

  it('sends every record of a key to the same partition', () => {
    const p = keyHashPartitioner();
    const seen = new Set(Array.from({ length: 20 }, () => p.partition('t', 'user-42', 8)));
    expect(seen.size).toBe(1);
    expect([...seen][0]).toBe(partitionForKey('user-42', 8));
  });

  it('spreads many keys over every partition', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[partitionForKey(`user-${i}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(60);
  });

  it('round robin takes partitions in turn whatever the key', () => {
    const p = roundRobinPartitioner();
    expect(Array.from({ length: 6 }, () => p.partition('t', 'same-key', 3))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('sticky stays on one partition until a batch is sent there, then moves', () => {
    const p = stickyPartitioner(new RandomStreams(1).stream('sticky'));
    const first = p.partition('t', null, 4);
    expect(p.partition('t', null, 4)).toBe(first);
    p.onBatchSent!('t', first, 4);
    expect(p.partition('t', null, 4)).not.toBe(first);
  });

  it('a custom partitioner is any function of the key and the count', () => {
    const p = customPartitioner('vip-first', (key, n) => (key?.startsWith('vip') ? 0 : n - 1));
    expect(p.partition('t', 'vip-1', 4)).toBe(0);
    expect(p.partition('t', 'u-1', 4)).toBe(3);
  });
});
