/**
 * Latency distributions as data. A `Latency` is plain JSON (it appears in fault plans and
 * scenario parameters); `LatencyModel` is its compiled form, sampled on the hot path with a
 * numeric switch and no allocation.
 */
import { z } from 'zod';
import { erf, exp, log } from './math/index.ts';
import type { Stream } from './random.ts';

export const LatencySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), ms: z.number().min(0) }).strict(),
  z
    .object({ kind: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) })
    .strict()
    .refine((l) => l.maxMs >= l.minMs, { message: 'maxMs must be at least minMs' }),
  z.object({ kind: z.literal('exponential'), meanMs: z.number().min(0), minMs: z.number().min(0).default(0) }).strict(),
  z.object({ kind: z.literal('normal'), meanMs: z.number().min(0), sdMs: z.number().min(0), minMs: z.number().min(0).default(0) }).strict(),
  z.object({ kind: z.literal('lognormal'), medianMs: z.number().positive(), sigma: z.number().min(0), minMs: z.number().min(0).default(0) }).strict(),
  z.object({ kind: z.literal('pareto'), minMs: z.number().positive(), alpha: z.number().positive() }).strict(),
]);

/** A latency distribution in simulated milliseconds. */
export type Latency = z.input<typeof LatencySchema>;

const CONSTANT = 0;
const UNIFORM = 1;
const EXPONENTIAL = 2;
const NORMAL = 3;
const LOGNORMAL = 4;
const PARETO = 5;

/** A compiled latency distribution; `sample` never returns a negative delay. */
export class LatencyModel {
  private readonly kind: number;
  private readonly a: number;
  private readonly b: number;
  private readonly minMs: number;

  constructor(readonly spec: Latency) {
    switch (spec.kind) {
      case 'constant':
        this.kind = CONSTANT;
        this.a = spec.ms;
        this.b = 0;
        this.minMs = spec.ms;
        break;
      case 'uniform':
        this.kind = UNIFORM;
        this.a = spec.minMs;
        this.b = spec.maxMs;
        this.minMs = spec.minMs;
        break;
      case 'exponential':
        this.kind = EXPONENTIAL;
        this.a = spec.meanMs;
        this.b = 0;
        this.minMs = spec.minMs ?? 0;
        break;
      case 'normal':
        this.kind = NORMAL;
        this.a = spec.meanMs;
        this.b = spec.sdMs;
        this.minMs = spec.minMs ?? 0;
        break;
      case 'lognormal':
        this.kind = LOGNORMAL;
        this.a = log(spec.medianMs);
        this.b = spec.sigma;
        this.minMs = spec.minMs ?? 0;
        break;
      case 'pareto':
        this.kind = PARETO;
        this.a = spec.minMs;
        this.b = spec.alpha;
        this.minMs = spec.minMs;
        break;
    }
  }

  sample(stream: Stream): number {
    switch (this.kind) {
      case CONSTANT:
        return this.a;
      case UNIFORM:
        return stream.uniform(this.a, this.b);
      case EXPONENTIAL:
        return this.minMs + stream.exponential(this.a);
      case NORMAL:
        return Math.max(this.minMs, stream.normal(this.a, this.b));
      case LOGNORMAL:
        return this.minMs + stream.lognormal(this.a, this.b);
      default:
        return stream.pareto(this.a, this.b);
    }
  }

  /** The mean of the distribution (used for narration and fidelity tests). */
  mean(): number {
    switch (this.kind) {
      case CONSTANT:
        return this.a;
      case UNIFORM:
        return (this.a + this.b) / 2;
      case EXPONENTIAL:
        return this.minMs + this.a;
      case NORMAL:
        return clippedNormalMean(this.a, this.b, this.minMs);
      case LOGNORMAL:
        return this.minMs + exp(this.a + (this.b * this.b) / 2);
      default:
        return this.b > 1 ? (this.b * this.a) / (this.b - 1) : Number.POSITIVE_INFINITY;
    }
  }
}

/**
 * E[max(m, X)] for X ~ Normal(mu, sd): the mean of a normal latency clipped at its floor,
 * m·Φ(z) + mu·(1 − Φ(z)) + sd·φ(z) with z = (m − mu) / sd, Φ from the deterministic erf.
 */
function clippedNormalMean(mu: number, sd: number, m: number): number {
  if (sd === 0) return Math.max(m, mu);
  const z = (m - mu) / sd;
  const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
  const pdf = exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  return m * cdf + mu * (1 - cdf) + sd * pdf;
}
