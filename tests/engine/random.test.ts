import { describe, expect, it } from 'vitest';
import { AssertionError, RandomStreams, type Stream, Zipf } from '../../engine/index.ts';
import { expectWithin, moments } from './fixtures/stats.ts';

const SAMPLES = 100_000;

/** The stream every golden value below is drawn from, fresh each time. */
function workload(): Stream {
  return new RandomStreams(1).stream('workload');
}

function firstFour(draw: (stream: Stream) => number): number[] {
  const stream = workload();
  return [draw(stream), draw(stream), draw(stream), draw(stream)];
}

describe('RandomStreams', () => {
  it('gives the same draws for the same seed and stream name', () => {
    const a = new RandomStreams(7).stream('network/p1');
    const b = new RandomStreams(7).stream('network/p1');

    const drawsA = Array.from({ length: 20 }, () => a.next());
    const drawsB = Array.from({ length: 20 }, () => b.next());

    expect(drawsA).toEqual(drawsB);
  });

  it('returns the same stream object for the same name', () => {
    const random = new RandomStreams(7);

    const first = random.stream('workload');
    const second = random.stream('workload');

    expect(second).toBe(first);
  });

  it('gives different draws for different stream names', () => {
    const random = new RandomStreams(7);

    const a = Array.from({ length: 5 }, () => random.stream('a').next());
    const b = Array.from({ length: 5 }, () => random.stream('b').next());

    expect(a).not.toEqual(b);
  });

  it('gives different draws for different seeds', () => {
    const a = new RandomStreams(1).stream('workload');
    const b = new RandomStreams(2).stream('workload');

    const drawsA = Array.from({ length: 5 }, () => a.next());
    const drawsB = Array.from({ length: 5 }, () => b.next());

    expect(drawsA).not.toEqual(drawsB);
  });

  it('leaves a stream untouched by draws from another stream', () => {
    const quiet = new RandomStreams(3);
    const busy = new RandomStreams(3);
    for (let i = 0; i < 1_000; i++) busy.stream('workload').next();

    const fromQuiet = Array.from({ length: 10 }, () => quiet.stream('faults').next());
    const fromBusy = Array.from({ length: 10 }, () => busy.stream('faults').next());

    expect(fromBusy).toEqual(fromQuiet);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => new RandomStreams(1.5)).toThrow(AssertionError);
  });
});

// Golden values: any change here means runs no longer replay (a new generator or seeding, or
// changed sampling maths). Update them only on purpose, and say so in the changelog.
describe('Stream golden draws of new RandomStreams(1).stream("workload")', () => {
  it('pins the first uniform draws', () => {
    expect(firstFour((s) => s.next())).toEqual([0.5028157087508589, 0.5887990333139896, 0.43835956510156393, 0.8154729208908975]);
  });

  it('pins the first exponential draws with mean 10', () => {
    expect(firstFour((s) => s.exponential(10))).toEqual([6.987945142752244, 8.88673213953842, 5.768934293993454, 16.89959056032215]);
  });

  it('pins the first normal draws with mean 5 and sd 2', () => {
    expect(firstFour((s) => s.normal(5, 2))).toEqual([2.9941736220349746, 3.748194641463178, 5.859043354279676, 3.030941354184013]);
  });

  it('pins the first lognormal draws with mu 1 and sigma 0.5', () => {
    expect(firstFour((s) => s.lognormal(1, 0.5))).toEqual([1.6463215005498926, 1.9878400760701034, 3.369488116353066, 1.661524141327579]);
  });

  it('pins the first pareto draws with scale 2 and shape 3', () => {
    expect(firstFour((s) => s.pareto(2, 3))).toEqual([2.5245900303281585, 2.689543792086658, 2.4240628361124656, 3.512987678596817]);
  });
});

describe('Stream distributions', () => {
  it('draws uniforms in [0, 1) with mean 1/2', () => {
    const stream = new RandomStreams(11).stream('uniform');
    let outside = 0;

    const { mean } = moments(SAMPLES, () => {
      const x = stream.next();
      if (x < 0 || x >= 1) outside++;
      return x;
    });

    expect(outside).toBe(0);
    expectWithin(mean, 0.5, 0.005, 'uniform mean');
  });

  it('draws uniform(lo, hi) with mean (lo + hi) / 2', () => {
    const stream = new RandomStreams(12).stream('uniform');

    const { mean } = moments(SAMPLES, () => stream.uniform(2, 6));

    expectWithin(mean, 4, 0.02, 'uniform(2, 6) mean');
  });

  it('draws exponentials with the requested mean', () => {
    const stream = new RandomStreams(13).stream('exponential');

    const { mean, sd } = moments(SAMPLES, () => stream.exponential(10));

    expectWithin(mean, 10, 0.15, 'exponential(10) mean');
    expectWithin(sd, 10, 0.25, 'exponential(10) sd');
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const stream = new RandomStreams(14).stream('normal');

    const { mean, sd } = moments(SAMPLES, () => stream.normal(5, 2));

    expectWithin(mean, 5, 0.03, 'normal(5, 2) mean');
    expectWithin(sd, 2, 0.03, 'normal(5, 2) sd');
  });

  it('draws lognormals with mean exp(mu + sigma^2 / 2)', () => {
    const stream = new RandomStreams(15).stream('lognormal');

    const { mean } = moments(SAMPLES, () => stream.lognormal(1, 0.5));

    expectWithin(mean, Math.exp(1 + 0.5 ** 2 / 2), 0.03, 'lognormal(1, 0.5) mean');
  });

  it('draws paretos with mean alpha * xm / (alpha - 1) and never below xm', () => {
    const stream = new RandomStreams(16).stream('pareto');
    let below = 0;

    const { mean } = moments(SAMPLES, () => {
      const x = stream.pareto(2, 3);
      if (x < 2) below++;
      return x;
    });

    expect(below).toBe(0);
    expectWithin(mean, 3, 0.05, 'pareto(2, 3) mean');
  });

  it('draws integers in [0, n) with equal frequencies', () => {
    const stream = new RandomStreams(17).stream('int');
    const counts = new Array<number>(6).fill(0);

    for (let i = 0; i < 60_000; i++) counts[stream.int(6)]!++;

    expect(counts.reduce((a, b) => a + b, 0)).toBe(60_000);
    for (const count of counts) expectWithin(count / 60_000, 1 / 6, 0.01, 'int(6) frequency');
  });

  it('draws bernoulli trials true with probability p', () => {
    const stream = new RandomStreams(18).stream('bernoulli');

    const { mean } = moments(SAMPLES, () => (stream.bernoulli(0.3) ? 1 : 0));

    expectWithin(mean, 0.3, 0.006, 'bernoulli(0.3) frequency');
  });
});

describe('Stream pick and shuffle', () => {
  it('picks each element of an array about equally often', () => {
    const stream = new RandomStreams(21).stream('pick');
    const items = ['a', 'b', 'c', 'd'] as const;
    const counts = new Map<string, number>(items.map((x) => [x, 0]));

    for (let i = 0; i < 40_000; i++) {
      const item = stream.pick(items);
      counts.set(item, counts.get(item)! + 1);
    }

    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(40_000);
    for (const [item, count] of counts) expectWithin(count / 40_000, 0.25, 0.015, `pick frequency of ${item}`);
  });

  it('refuses to pick from an empty array', () => {
    const stream = new RandomStreams(21).stream('pick');

    expect(() => stream.pick([])).toThrow(AssertionError);
  });

  it('shuffles into a permutation and leaves the input alone', () => {
    const stream = new RandomStreams(22).stream('shuffle');
    const items = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const shuffled = stream.shuffle(items);

    expect(shuffled).not.toBe(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shuffled.slice().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('shuffles into every permutation about equally often', () => {
    const stream = new RandomStreams(23).stream('shuffle');
    const counts = new Map<string, number>();

    for (let i = 0; i < 60_000; i++) {
      const key = stream.shuffle(['x', 'y', 'z']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }

    expect([...counts.keys()].sort()).toEqual(['xyz', 'xzy', 'yxz', 'yzx', 'zxy', 'zyx']);
    for (const [perm, count] of counts) expectWithin(count / 60_000, 1 / 6, 0.01, `frequency of ${perm}`);
  });
});

describe('Zipf', () => {
  it('has probabilities that sum to 1', () => {
    const zipf = new Zipf(50, 1.1);

    let total = 0;
    for (let k = 0; k < zipf.n; k++) total += zipf.probability(k);

    expect(total).toBeCloseTo(1, 12);
  });

  it('gives each rank a probability proportional to 1 / (rank + 1)^s', () => {
    const zipf = new Zipf(4, 2);

    const ratio = zipf.probability(0) / zipf.probability(3);

    expect(ratio).toBeCloseTo(16, 10);
  });

  it('is uniform when the exponent is 0', () => {
    const zipf = new Zipf(5, 0);

    const probabilities = [0, 1, 2, 3, 4].map((k) => zipf.probability(k));

    for (const p of probabilities) expect(p).toBeCloseTo(0.2, 12);
  });

  it('draws rank 0 most often and every rank at its probability', () => {
    const zipf = new Zipf(10, 1.2);
    const stream = new RandomStreams(31).stream('zipf');
    const counts = new Array<number>(10).fill(0);

    for (let i = 0; i < SAMPLES; i++) counts[zipf.sample(stream)]!++;

    expect(counts.indexOf(Math.max(...counts))).toBe(0);
    counts.forEach((count, k) => {
      expectWithin(count / SAMPLES, zipf.probability(k), 0.006, `frequency of rank ${k}`);
    });
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => new Zipf(0, 1)).toThrow(AssertionError);
  });

  it('rejects a negative exponent', () => {
    expect(() => new Zipf(10, -1)).toThrow(AssertionError);
  });
});
