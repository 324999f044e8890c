/**
 * Cache warm-up: before traffic returns to an empty cache, load the keys that matter.
 *
 * `HotKeys` counts the keys a server is asked for, so when the cache comes back empty it
 * knows which ones carry the traffic (under Zipf popularity a few dozen keys carry most of
 * it). `warmupBatches` splits them into batched reads (one `read-many` query per batch): a
 * batch of 20 rows costs the database far less than 20 separate misses, which is what makes
 * warming faster than letting live traffic refill the cache one miss at a time.
 * `warmerOf` splits the work between servers by a hash of the key, so servers that all see
 * the same hot keys each load a different share of them.
 */
import { assert } from '../../../engine/index.ts';

export class HotKeys {
  /** Each key's count, in a small record counted in place (one lookup per request, no second one to store it). */
  private readonly counts = new Map<string, { n: number }>();

  touch(key: string): void {
    const c = this.counts.get(key);
    if (c === undefined) this.counts.set(key, { n: 1 });
    else c.n++;
  }

  /** The `n` most requested keys, most requested first (ties: first seen first). */
  top(n: number): string[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1].n - a[1].n)
      .slice(0, n)
      .map(([key]) => key);
  }

  /** The share of all requests that went to the `n` hottest keys. */
  shareOfTop(n: number): number {
    let total = 0;
    for (const c of this.counts.values()) total += c.n;
    if (total === 0) return 0;
    const top = [...this.counts.values()]
      .map((c) => c.n)
      .sort((a, b) => b - a)
      .slice(0, n);
    return top.reduce((a, c) => a + c, 0) / total;
  }
}

/** Splits `keys` into consecutive batches of at most `batchSize`. */
export function warmupBatches(keys: readonly string[], batchSize: number): string[][] {
  assert(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize is a positive integer');
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += batchSize) batches.push(keys.slice(i, i + batchSize));
  return batches;
}

/** Which of `servers` warms `key` (FNV-1a of the key's text, so every server agrees). */
export function warmerOf(key: string, servers: number): number {
  assert(Number.isInteger(servers) && servers >= 1, 'servers is a positive integer');
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % servers;
}
