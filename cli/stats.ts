/**
 * Small-sample statistics for `compare`: means with 95% confidence intervals from the t
 * distribution (exact enough for any sample size: a table to 30 degrees of freedom, then
 * the Cornish-Fisher expansion around the normal quantile), and paired differences.
 */

export interface Estimate {
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  n: number;
  ci95: [number, number];
}

/** Two-sided 95% quantiles t(0.975, df) for df = 1..30. */
const T975 = [
  12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.13145,
  2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new Error(`tQuantile975 needs df >= 1, got ${df}`);
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1]!;
  const z = 1.959963985;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Mean and its 95% confidence interval; with one sample the interval is the point itself. */
export function estimate(samples: readonly number[]): Estimate {
  const n = samples.length;
  if (n === 0) throw new Error('estimate needs at least one sample');
  const mean = samples.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { mean, sd: 0, n, ci95: [mean, mean] };
  const sd = Math.sqrt(samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, sd, n, ci95: [mean - half, mean + half] };
}

/** The paired differences b[i] - a[i] (same seed, same fault plan) and their estimate. */
export function pairedDifference(a: readonly number[], b: readonly number[]): Estimate {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return estimate(b.map((x, i) => x - a[i]!));
}

/** True when the interval excludes zero: the difference is real at the 95% level. */
export function excludesZero(ci: readonly [number, number]): boolean {
  return ci[0] > 0 || ci[1] < 0;
}
