import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DetMath } from '../../engine/index.ts';
import { checkGoldenTable, type DetMathGoldenTable, doubleToHex, goldenRowCount, hexToDouble } from './det-math-golden.ts';

const INF = Number.POSITIVE_INFINITY;
const MIN_SUBNORMAL = hexToDouble('0000000000000001');
const MAX = hexToDouble('7fefffffffffffff');
const ONE_PLUS_ULP = hexToDouble('3ff0000000000001');
const ONE_MINUS_ULP = hexToDouble('3fefffffffffffff');
const TWO_M52 = hexToDouble('3cb0000000000000');

/** The bits of x as a signed integer that orders doubles as the number line does. */
const bits = new BigInt64Array(1);
const bitsView = new Float64Array(bits.buffer);
function ordinal(x: number): bigint {
  bitsView[0] = x;
  const b = bits[0]!;
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** How many doubles apart a and b are (0 for equal, and for two NaNs). */
function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : INF;
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** xorshift32, so every run compares the same inputs. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** A random double of a random binade in [2^lo, 2^hi] (lo = -1023: subnormals), sign as given. */
function binadeOf(next: () => number, lo: number, hi: number, negative: boolean): number {
  const e = lo + 1023 + Math.floor(next() * (hi - lo + 1));
  const high = ((negative ? 0x80000000 : 0) | (e << 20) | Math.floor(next() * 0x100000)) >>> 0;
  const low = Math.floor(next() * 4294967296) >>> 0;
  return hexToDouble(high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0'));
}

describe('DetMath special cases', () => {
  const nan = Number.NaN;
  // [function, arguments, expected]: compared with Object.is, so ±0 and NaN count
  const cases: [keyof typeof DetMath, number[], number][] = [
    ['log', [0], -INF],
    ['log', [-0], -INF],
    ['log', [-1], nan],
    ['log', [-INF], nan],
    ['log', [INF], INF],
    ['log', [nan], nan],
    ['log', [1], 0],
    ['log', [MIN_SUBNORMAL], -744.4400719213812],
    ['log', [MAX], 709.782712893384],
    ['log1p', [-1], -INF],
    ['log1p', [-2], nan],
    ['log1p', [0], 0],
    ['log1p', [-0], -0],
    ['log1p', [INF], INF],
    ['log1p', [-INF], nan],
    ['log1p', [MIN_SUBNORMAL], MIN_SUBNORMAL],
    ['log2', [0], -INF],
    ['log2', [-0], -INF],
    ['log2', [-1], nan],
    ['log2', [1], 0],
    ['log2', [8], 3],
    ['log2', [MIN_SUBNORMAL], -1074],
    ['log2', [INF], INF],
    ['log10', [0], -INF],
    ['log10', [-MIN_SUBNORMAL], nan],
    ['log10', [1], 0],
    ['log10', [1e22], 22],
    ['log10', [INF], INF],
    ['log10', [nan], nan],
    ['exp', [0], 1],
    ['exp', [-0], 1],
    ['exp', [INF], INF],
    ['exp', [-INF], 0],
    ['exp', [nan], nan],
    ['exp', [1], Math.E],
    ['exp', [709.782712893384], 1.7976931348622732e308], // the largest x with a finite e^x
    ['exp', [709.7827128933841], INF],
    ['exp', [-745.1332191019411], MIN_SUBNORMAL],
    ['exp', [-745.1332191019412], 0],
    ['expm1', [0], 0],
    ['expm1', [-0], -0],
    ['expm1', [INF], INF],
    ['expm1', [-INF], -1],
    ['expm1', [-40], -1],
    ['expm1', [MIN_SUBNORMAL], MIN_SUBNORMAL],
    ['expm1', [nan], nan],
    ['sin', [0], 0],
    ['sin', [-0], -0],
    ['sin', [INF], nan],
    ['sin', [-INF], nan],
    ['sin', [nan], nan],
    ['sin', [MIN_SUBNORMAL], MIN_SUBNORMAL],
    ['sin', [Math.PI], 1.2246467991473532e-16],
    ['sin', [1e22], -0.8522008497671888],
    ['cos', [0], 1],
    ['cos', [-0], 1],
    ['cos', [INF], nan],
    ['cos', [nan], nan],
    ['cos', [Math.PI], -1],
    ['cos', [1e22], 0.523214785395139],
    ['erf', [0], 0],
    ['erf', [-0], -0],
    ['erf', [INF], 1],
    ['erf', [-INF], -1],
    ['erf', [nan], nan],
    ['erf', [6], 1],
    // pow, IEEE 754 / C99: x^±0 = 1 for every x, NaN too
    ['pow', [nan, 0], 1],
    ['pow', [nan, -0], 1],
    ['pow', [INF, 0], 1],
    ['pow', [0, 0], 1],
    // 1^y = 1 for every y, NaN too (ECMAScript's ** gives NaN for NaN and ±Infinity)
    ['pow', [1, nan], 1],
    ['pow', [1, INF], 1],
    ['pow', [1, -INF], 1],
    // (-1)^±Infinity = 1 (** gives NaN)
    ['pow', [-1, INF], 1],
    ['pow', [-1, -INF], 1],
    // otherwise NaN in, NaN out
    ['pow', [nan, 1], nan],
    ['pow', [2, nan], nan],
    // |x| > 1 and |x| < 1 to ±Infinity
    ['pow', [2, INF], INF],
    ['pow', [-2, INF], INF],
    ['pow', [2, -INF], 0],
    ['pow', [0.5, INF], 0],
    ['pow', [-0.5, -INF], INF],
    // ±0 to positive and negative powers, odd integers keeping the sign
    ['pow', [0, 3], 0],
    ['pow', [-0, 3], -0],
    ['pow', [-0, 2], 0],
    ['pow', [-0, 0.5], 0],
    ['pow', [0, -3], INF],
    ['pow', [-0, -3], -INF],
    ['pow', [-0, -2], INF],
    ['pow', [-0, -0.5], INF],
    ['pow', [0, -INF], INF],
    // ±Infinity
    ['pow', [INF, 0.5], INF],
    ['pow', [INF, -0.5], 0],
    ['pow', [-INF, 3], -INF],
    ['pow', [-INF, 2], INF],
    ['pow', [-INF, -3], -0],
    ['pow', [-INF, 0.5], INF],
    // negative finite base: integer powers by parity, anything else NaN
    ['pow', [-2, 3], -8],
    ['pow', [-2, 2], 4],
    ['pow', [-2, -1], -0.5],
    ['pow', [-8, 1 / 3], nan],
    ['pow', [-1, 0.5], nan],
    ['pow', [-1, 9007199254740992], 1],
    ['pow', [-1, 9007199254740991], -1],
    // exact, overflow and underflow
    ['pow', [3, 20], 3486784401],
    ['pow', [2, -1074], MIN_SUBNORMAL],
    ['pow', [2, -1075], 0],
    ['pow', [2, 1024], INF],
    ['pow', [-2, 1025], -INF],
    ['pow', [-2, -1075], -0],
    ['pow', [ONE_PLUS_ULP, 2e19], INF],
    ['pow', [ONE_MINUS_ULP, 2e19], 0],
    ['pow', [4, 0.5], 2],
    ['pow', [MIN_SUBNORMAL, 0.5], hexToDouble('1e60000000000000')],
  ];

  it.each(cases)('%s(%s) is %s', (fn, args, expected) => {
    const f = DetMath[fn] as (...a: number[]) => number;

    const actual = f(...args);

    expect(Object.is(actual, expected), `${fn}(${args.join(', ')}) = ${actual} (${doubleToHex(actual)}), expected ${expected}`).toBe(true);
  });
});

describe('DetMath against Node’s Math', () => {
  const SAMPLES_PER_RANGE = 17_000;
  const summary: string[] = [];
  afterAll(() => {
    console.info(`DetMath vs Math.* in Node ${process.version} (${SAMPLES_PER_RANGE} inputs per range):\n${summary.join('\n')}`);
  });

  type Range = [label: string, draw: (next: () => number) => number];
  const positiveRanges: Range[] = [
    ['subnormal', (n) => binadeOf(n, -1023, -1023, false)],
    ['tiny', (n) => binadeOf(n, -1022, -20, false)],
    ['near 1', (n) => 1 + (n() - 0.5) / 32],
    ['moderate', (n) => n() * 100],
    ['huge', (n) => binadeOf(n, 20, 1023, false)],
    ['all binades', (n) => binadeOf(n, -1023, 1023, false)],
  ];
  const signedRanges: Range[] = [
    ['tiny', (n) => binadeOf(n, -1023, -20, n() < 0.5)],
    ['unit', (n) => 2 * n() - 1],
    ['moderate', (n) => (n() - 0.5) * 80],
    ['negative', (n) => -n() * 800],
    ['huge', (n) => binadeOf(n, 10, 1023, n() < 0.5)],
    ['all binades', (n) => binadeOf(n, -1023, 1023, n() < 0.5)],
  ];
  const trigRanges: Range[] = [
    ['tiny', (n) => binadeOf(n, -1023, -20, n() < 0.5)],
    ['one turn', (n) => 2 * Math.PI * n()],
    ['moderate', (n) => (n() - 0.5) * 200],
    ['Cody–Waite', (n) => binadeOf(n, 0, 19, n() < 0.5)],
    ['Payne–Hanek', (n) => binadeOf(n, 20, 1023, n() < 0.5)],
    ['negative', (n) => -n() * 1e6],
  ];

  // Node 20's Math.log10 is fdlibm's older log(x)/ln10, off by up to ~1.8 ulp; DetMath's
  // (FreeBSD's newer one) errs below 0.65 ulp, so the two may be 2 apart.
  const unary: [name: keyof typeof DetMath, reference: (x: number) => number, ranges: Range[], ulpsMax: number][] = [
    ['log', Math.log, positiveRanges, 1],
    ['log1p', Math.log1p, [...signedRanges, ['above -1', (n) => n() - 1]], 1],
    ['log2', Math.log2, positiveRanges, 1],
    ['log10', Math.log10, positiveRanges, 2],
    ['exp', Math.exp, [...signedRanges, ['sampler', (n) => (n() - 0.5) * 1490]], 1],
    ['expm1', Math.expm1, signedRanges, 1],
    ['sin', Math.sin, trigRanges, 1],
    ['cos', Math.cos, trigRanges, 1],
  ];

  it.each(unary)('keeps %s within its bound of Math’s result on every range', (name, reference, ranges, ulpsMax) => {
    const f = DetMath[name] as (x: number) => number;
    const next = generator(0x5eed + name.length * 977);
    let worst = 0;
    let worstInput = 0;
    let differing = 0;
    let total = 0;

    for (const [, draw] of ranges) {
      for (let i = 0; i < SAMPLES_PER_RANGE; i++) {
        const x = draw(next);
        const distance = ulpDistance(f(x), reference(x));
        total++;
        if (distance > 0) differing++;
        if (distance > worst) {
          worst = distance;
          worstInput = x;
        }
      }
    }
    summary.push(`  ${name.padEnd(6)} ${differing} of ${total} differ, by at most ${worst} ulp`);

    expect(worst, `${name}(${worstInput}) is ${worst} ulp from Math.${name}`).toBeLessThanOrEqual(ulpsMax);
  });

  it('keeps pow within 1 ulp of Math.pow where both follow the same rules', () => {
    // Outside the cases where ECMAScript's ** and IEEE pow disagree (1^NaN, (±1)^±Infinity),
    // and outside |y| > 2^31 with x within 2^-20 of 1, where V8's fdlibm pow errs by hundreds
    // of ulp (DetMath repairs that branch; see engine/math/pow.ts).
    const next = generator(0x90f);
    const ranges: [label: string, draw: () => [number, number]][] = [
      ['Pareto', () => [1 - next(), 1 / (0.5 + 4 * next())]],
      ['Zipf', () => [1 + Math.floor(5000 * next()), 2 * next()]],
      ['positive', () => [binadeOf(next, -1023, 1023, false), (next() - 0.5) * 120]],
      ['to ±1100', () => [4 * next(), (next() - 0.5) * 2200]],
      ['negative base', () => [-40 * next(), Math.floor((next() - 0.5) * 600)]],
      ['near 1', () => [1 + (next() - 0.5) * 1e-6, (next() - 0.5) * 4e9]],
    ];
    let worst = 0;
    let worstInput: [number, number] = [0, 0];
    let differing = 0;
    let total = 0;

    for (const [, draw] of ranges) {
      for (let i = 0; i < SAMPLES_PER_RANGE; i++) {
        const [x, y] = draw();
        if (Math.abs(y) > 2147483648 && Math.abs(x - 1) < 1 / 1048576) continue;
        const distance = ulpDistance(DetMath.pow(x, y), x ** y);
        total++;
        if (distance > 0) differing++;
        if (distance > worst) {
          worst = distance;
          worstInput = [x, y];
        }
      }
    }
    summary.push(`  pow    ${differing} of ${total} differ, by at most ${worst} ulp`);

    expect(worst, `pow(${worstInput.join(', ')}) is ${worst} ulp from Math.pow`).toBeLessThanOrEqual(1);
  });
});

describe('DetMath golden table', () => {
  const table = JSON.parse(readFileSync(new URL('./fixtures/det-math-golden.json', import.meta.url), 'utf8')) as DetMathGoldenTable;

  it('holds a few thousand rows, every function represented', () => {
    expect(goldenRowCount(table)).toBeGreaterThan(3000);
    expect(Object.keys(table.unary).sort()).toEqual(['cos', 'erf', 'exp', 'expm1', 'log', 'log10', 'log1p', 'log2', 'sin']);
    expect(Object.keys(table.binary)).toEqual(['pow']);
  });

  it('gives every result bit for bit', () => {
    const mismatches = checkGoldenTable(table, DetMath);

    expect(mismatches.slice(0, 10), `${mismatches.length} of ${goldenRowCount(table)} rows differ`).toEqual([]);
  });

  it('reports a function that gives another bit as a mismatch', () => {
    const offByOne = { ...DetMath, exp: (x: number) => hexToDouble((BigInt(`0x${doubleToHex(DetMath.exp(x))}`) ^ 1n).toString(16).padStart(16, '0')) };

    const mismatches = checkGoldenTable(table, offByOne);

    expect(mismatches.length).toBeGreaterThan(0);
    expect(mismatches.every((m) => m.fn === 'exp')).toBe(true);
  });
});

describe('DetMath laws', () => {
  const positive = fc.double({ min: MIN_SUBNORMAL, max: MAX, noNaN: true });

  it('keeps log monotone', () => {
    fc.assert(
      fc.property(positive, positive, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return DetMath.log(lo) <= DetMath.log(hi);
      }),
      { seed: 1301, numRuns: 2000 },
    );
  });

  it('keeps exp monotone', () => {
    const x = fc.double({ min: -746, max: 710, noNaN: true });
    fc.assert(
      fc.property(x, x, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return DetMath.exp(lo) <= DetMath.exp(hi);
      }),
      { seed: 1302, numRuns: 2000 },
    );
  });

  it('keeps sin² + cos² within a few ulps of 1, for every finite x', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = DetMath.sin(x);
        const c = DetMath.cos(x);
        return Math.abs(s * s + c * c - 1) <= 4 * TWO_M52;
      }),
      { seed: 1303, numRuns: 3000 },
    );
  });

  it('squares exactly: pow(x, 2) === x·x', () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(DetMath.pow(x, 2), x * x)),
      { seed: 1304, numRuns: 2000 },
    );
  });

  it('gives exact integer powers while they are representable', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 60 }), (base, power) => {
        let product = 1;
        for (let i = 0; i < power; i++) product *= base;
        fc.pre(Math.abs(product) <= 2 ** 53);
        return Object.is(DetMath.pow(base, power), product);
      }),
      { seed: 1305, numRuns: 2000 },
    );
  });

  it('returns x from exp(log(x)) within the error log’s rounding allows', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
        const back = DetMath.exp(DetMath.log(x));
        return Math.abs(back - x) <= x * (1 + Math.abs(DetMath.log(x))) * TWO_M52;
      }),
      { seed: 1306, numRuns: 3000 },
    );
  });

  it('keeps erf odd, monotone and within [-1, 1]', () => {
    const x = fc.double({ min: -10, max: 10, noNaN: true });
    fc.assert(
      fc.property(x, x, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [eLo, eHi] = [DetMath.erf(lo), DetMath.erf(hi)];
        return Object.is(DetMath.erf(-a), -DetMath.erf(a)) && eLo <= eHi && Math.abs(eLo) <= 1 && Math.abs(eHi) <= 1;
      }),
      { seed: 1307, numRuns: 2000 },
    );
  });
});
