/**
 * Seeded random streams, forked by name.
 *
 * Every draw in a simulation comes from a `Stream` derived from (seed, name): the key is hashed
 * to 128 bits (four 32-bit murmur3-style lanes) that seed an sfc32 generator (Chris Doty-
 * Humphrey's Small Fast Chaotic generator, which passes PractRand and BigCrush), all integer
 * arithmetic in four fields, no closure: it is on the hot path of every latency sample.
 * Streams are independent: drawing more from `workload` never shifts a single draw of
 * `network/p2`, so switching strategy or adding a node leaves the workload and the fault
 * schedule untouched (common random numbers).
 *
 * The transcendental maths of sampling (log, exp, sin, cos, pow) comes from engine/math, whose
 * pure-JavaScript functions give the same bits in every JavaScript engine (`Math.log` and
 * friends do not), so a seed draws the same variates in Node, a worker and the browser.
 */
import { assert } from './assert.ts';
import { cos, exp, log, pow, sin } from './math/index.ts';

export class Stream {
  // sfc32 state: a, b, c and the counter d.
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal = Number.NaN;

  /** The stream seeded by the key `keyPrefix + name`. */
  constructor(
    readonly name: string,
    keyPrefix: string,
  ) {
    this.seed(keyPrefix, name);
    // Warm up past the seed's structure, as sfc32's author advises.
    for (let i = 0; i < 15; i++) this.prng();
  }

  /**
   * Seeds a, b, c and d with 128 bits of the key `prefix + name`, without building it (a stream is
   * seeded per node and run, thousands of times a second in a check): four 32-bit lanes, each
   * mixing every character with its own constants.
   */
  private seed(prefix: string, name: string): void {
    let h1 = 0x6a09e667 ^ (prefix.length + name.length);
    let h2 = 0xbb67ae85;
    let h3 = 0x3c6ef372;
    let h4 = 0xa54ff53a;
    for (let part = prefix, k = 0; k < 2; part = name, k++) {
      for (let i = 0; i < part.length; i++) {
        const c = part.charCodeAt(i);
        h1 = h2 ^ Math.imul(h1 ^ c, 0x9e3779b1);
        h2 = h3 ^ Math.imul(h2 ^ c, 0x85ebca77);
        h3 = h4 ^ Math.imul(h3 ^ c, 0xc2b2ae3d);
        h4 = h1 ^ Math.imul(h4 ^ c, 0x27d4eb2f);
      }
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 0x597399d1);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 0x2e5f5b19);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 0x16a8dbd1);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 0x4bd43d39);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
  }

  /** One step of sfc32: uniform in [0, 1) with 32 bits of resolution. */
  private prng(): number {
    const a = this.a | 0;
    const b = this.b | 0;
    const c = this.c | 0;
    const d = this.d | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * log(1 - this.prng());
  }

  /** Normal(mean, sd) by Box-Muller; the second value of each pair is kept for the next call. */
  normal(mean: number, sd: number): number {
    let z = this.spareNormal;
    if (Number.isNaN(z)) {
      const u = 1 - this.prng();
      const v = this.prng();
      const r = Math.sqrt(-2 * log(u));
      z = r * cos(2 * Math.PI * v);
      this.spareNormal = r * sin(2 * Math.PI * v);
    } else {
      this.spareNormal = Number.NaN;
    }
    return mean + sd * z;
  }

  /** Lognormal whose underlying normal has parameters (mu, sigma). */
  lognormal(mu: number, sigma: number): number {
    return exp(this.normal(mu, sigma));
  }

  /** Pareto with scale xm (the minimum) and shape alpha. */
  pareto(xm: number, alpha: number): number {
    return xm / pow(1 - this.prng(), 1 / alpha);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from a non-empty array');
    return items[Math.floor(this.prng() * items.length)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * Zipf over ranks 0..n-1 with exponent s: rank k is drawn with probability proportional to
 * 1/(k+1)^s. The cumulative table is built once, so a draw is one uniform and a binary search.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    assert(Number.isInteger(n) && n >= 1, 'Zipf n is a positive integer');
    assert(s >= 0, 'Zipf exponent is not negative');
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      total += 1 / pow(k + 1, s);
      this.cdf[k] = total;
    }
    for (let k = 0; k < n; k++) this.cdf[k]! /= total;
  }

  /** Probability of rank k. */
  probability(k: number): number {
    return k === 0 ? this.cdf[0]! : this.cdf[k]! - this.cdf[k - 1]!;
  }

  sample(stream: Stream): number {
    const u = stream.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** The named streams of one run, all derived from one seed. */
export class RandomStreams {
  private readonly streams = new Map<string, Stream>();
  /** Every stream's key starts with this: `faultline:<seed>:`, then the stream's name. */
  private readonly keyPrefix: string;

  constructor(readonly seed: number) {
    assert(Number.isSafeInteger(seed), 'seed is a safe integer');
    this.keyPrefix = `faultline:${seed}:`;
  }

  /** The stream named `name`; the same object on every call with that name. */
  stream(name: string): Stream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new Stream(name, this.keyPrefix);
      this.streams.set(name, s);
    }
    return s;
  }
}
