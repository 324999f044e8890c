/**
 * Partitioners: how a producer picks the partition of a record.
 *  - key hash: murmur2 of the key's bytes modulo the partition count, exactly Kafka's
 *    default for keyed records, so every record of a key lands on one partition and is read
 *    in order — and a hot key makes a hot partition;
 *  - round robin: partitions in turn whatever the key (even load, no per-key order);
 *  - sticky: keyless records stick to one partition until its batch is sent, then move on
 *    (Kafka's default for keyless records: fuller batches, order only within a batch);
 *  - custom: any function of (key, partition count).
 */
import type { Stream } from '../../../engine/index.ts';

export interface Partitioner {
  readonly name: string;
  partition(topic: string, key: string | null, partitions: number): number;
  /** The producer sent a batch to this partition (the sticky partitioner moves on). */
  onBatchSent?(topic: string, partition: number, partitions: number): void;
}

/**
 * A string's UTF-8 bytes (what Kafka's serializer hands murmur2), written out here rather than
 * taken from TextEncoder, which is a platform API outside the language: simulated code runs
 * on the language alone. Lone surrogates become U+FFFD, as TextEncoder does.
 */
export function utf8Bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

const MURMUR_M = 0x5bd1e995;
const murmurSeed = (length: number): number => 0x9747b28c ^ length;

/** Folds one little-endian 4-byte block into the hash. */
function murmurBlock(h: number, k: number): number {
  k = Math.imul(k, MURMUR_M);
  k ^= k >>> 24;
  k = Math.imul(k, MURMUR_M);
  return Math.imul(h, MURMUR_M) ^ k;
}

/** Folds the last `length % 4` bytes (b0 first) in, then the final avalanche. */
function murmurFinish(h: number, tailLength: number, b0: number, b1: number, b2: number): number {
  switch (tailLength) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 folds the tail bytes in by falling through.
    case 3:
      h ^= b2 << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: see above.
    case 2:
      h ^= b1 << 8;
    case 1:
      h ^= b0;
      h = Math.imul(h, MURMUR_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = murmurSeed(length);
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) h = murmurBlock(h, data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
  const rest = length - tail;
  return murmurFinish(h, rest, rest > 0 ? data[tail]! : 0, rest > 1 ? data[tail + 1]! : 0, rest > 2 ? data[tail + 2]! : 0);
}

/** The partition Kafka's default partitioner gives a key. */
export function partitionForKey(key: string, partitions: number): number {
  return ((murmur2OfAscii(key) ?? murmur2(utf8Bytes(key))) & 0x7fffffff) % partitions;
}

/**
 * murmur2 of an ASCII string's bytes, read from the string itself (an ASCII character is its
 * own UTF-8 byte): every keyed record is hashed, and this allocates nothing. Null when the
 * string has a character past ASCII (its UTF-8 bytes are then not its characters).
 */
export function murmur2OfAscii(text: string): number | null {
  const length = text.length;
  let h = murmurSeed(length);
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    const b0 = text.charCodeAt(i);
    const b1 = text.charCodeAt(i + 1);
    const b2 = text.charCodeAt(i + 2);
    const b3 = text.charCodeAt(i + 3);
    if ((b0 | b1 | b2 | b3) >= 0x80) return null;
    h = murmurBlock(h, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
  }
  const rest = length - tail;
  const b0 = rest > 0 ? text.charCodeAt(tail) : 0;
  const b1 = rest > 1 ? text.charCodeAt(tail + 1) : 0;
  const b2 = rest > 2 ? text.charCodeAt(tail + 2) : 0;
  if ((b0 | b1 | b2) >= 0x80) return null;
  return murmurFinish(h, rest, b0, b1, b2);
}

/** Keyed records by murmur2 hash of the key; keyless ones sticky. */
export function keyHashPartitioner(rng?: Stream): Partitioner {
  const fallback = stickyPartitioner(rng);
  return {
    name: 'key-hash',
    partition: (topic, key, partitions) => (key === null ? fallback.partition(topic, null, partitions) : partitionForKey(key, partitions)),
    onBatchSent: (topic, partition, partitions) => fallback.onBatchSent!(topic, partition, partitions),
  };
}

/** Every record to the next partition in turn, ignoring the key. */
export function roundRobinPartitioner(): Partitioner {
  const next = new Map<string, number>();
  return {
    name: 'round-robin',
    partition(topic, _key, partitions) {
      const n = next.get(topic) ?? 0;
      next.set(topic, n + 1);
      return n % partitions;
    },
  };
}

/** Keyless records stay on one partition until a batch is sent there, then move to another (random with `rng`, else the next). */
export function stickyPartitioner(rng?: Stream): Partitioner {
  const current = new Map<string, number>();
  return {
    name: 'sticky',
    partition(topic, _key, partitions) {
      let p = current.get(topic);
      if (p === undefined || p >= partitions) {
        p = rng === undefined ? 0 : rng.int(partitions);
        current.set(topic, p);
      }
      return p;
    },
    onBatchSent(topic, partition, partitions) {
      if (current.get(topic) !== partition || partitions < 2) return;
      const step = rng === undefined ? 1 : 1 + rng.int(partitions - 1);
      current.set(topic, (partition + step) % partitions);
    },
  };
}

/** A partitioner from any function of the key and the partition count. */
export function customPartitioner(name: string, choose: (key: string | null, partitions: number) => number): Partitioner {
  return { name, partition: (_topic, key, partitions) => choose(key, partitions) };
}
