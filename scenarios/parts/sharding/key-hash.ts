/**
 * hashKey: a key's 32-bit hash, the one every placement in the data family uses (mod-N
 * sharding, the hash ring, salted sub-keys). It is murmur3's 32-bit hash of the key's text:
 * well mixed, so consecutive ids (order:1, order:2, ...) land far apart, and stable across
 * processes and browsers (integer maths only, no platform hash).
 */

/**
 * The unsigned 32-bit murmur3 hash of `key`. An integer id in [0, 2^32) is hashed as its
 * four little-endian bytes (fast: ids are hashed on every request); any other number as its
 * decimal text.
 */
export function hashKey(key: string | number, seed = 0): number {
  if (typeof key === 'number' && key >>> 0 === key) return hashUint32(key, seed);
  const text = typeof key === 'number' ? String(key) : key;
  let h = seed >>> 0;
  let i = 0;
  // Four characters per block; char codes above 255 fold into their low byte, which is
  // enough for keys, names and ids (ASCII in practice).
  for (; i + 4 <= text.length; i += 4) {
    let k =
      (text.charCodeAt(i) & 0xff) | ((text.charCodeAt(i + 1) & 0xff) << 8) | ((text.charCodeAt(i + 2) & 0xff) << 16) | ((text.charCodeAt(i + 3) & 0xff) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The tail: the last one to three characters, as murmur3 mixes them.
  const tail = text.length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= (text.charCodeAt(i + 2) & 0xff) << 16;
    if (tail >= 2) k ^= (text.charCodeAt(i + 1) & 0xff) << 8;
    k ^= text.charCodeAt(i) & 0xff;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3 of one 4-byte block. */
function hashUint32(value: number, seed: number): number {
  let k = Math.imul(value, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = (seed >>> 0) ^ k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
