import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../../../engine/index.ts';
import { drawRequests, type WorkloadSpec } from '../../../../scenarios/parts/workload/workload.ts';

const spec: WorkloadSpec = { ratePerMs: 2, fromMs: 0, toMs: 5000, keys: 50, zipfS: 1, writeFraction: 0.2, apps: 3 };
const draw = (s: WorkloadSpec, seed = 1) => drawRequests(new RandomStreams(seed).stream('workload'), s);

describe('open-loop workload', () => {
  it('arrives as a Poisson process at the given rate, in time order', () => {
    const requests = draw(spec);

    expect(requests.length / 5000).toBeGreaterThan(1.9);
    expect(requests.length / 5000).toBeLessThan(2.1);
    expect(requests.every((r, i) => i === 0 || r.atMs >= requests[i - 1]!.atMs)).toBe(true);
    expect(requests.map((r) => r.id)).toEqual(requests.map((_, i) => i + 1));
  });

  it('draws keys by Zipf popularity: the hottest key is asked for about twice as often as the second', () => {
    const requests = draw(spec);
    const count = (rank: number) => requests.filter((r) => r.rank === rank).length;

    expect(count(0) / count(1)).toBeGreaterThan(1.7);
    expect(count(0) / count(1)).toBeLessThan(2.3);
    expect(requests[0]!.key).toBe(`k${requests[0]!.rank}`);
  });

  it('mixes writes in at the given fraction and spreads requests over the app servers', () => {
    const requests = draw(spec);
    const writes = requests.filter((r) => r.kind === 'write').length / requests.length;

    expect(writes).toBeGreaterThan(0.18);
    expect(writes).toBeLessThan(0.22);
    expect(new Set(requests.map((r) => r.app))).toEqual(new Set([0, 1, 2]));
  });

  it('a burst multiplies the arrival rate over its window only', () => {
    const requests = draw({ ...spec, bursts: [{ atMs: 1000, durationMs: 500, factor: 4 }] });
    const inWindow = (from: number, to: number) => requests.filter((r) => r.atMs >= from && r.atMs < to).length;

    expect(inWindow(1000, 1500) / 500).toBeGreaterThan(7);
    expect(inWindow(2000, 2500) / 500).toBeLessThan(2.5);
  });

  it('is the same for the same seed', () => {
    expect(draw(spec, 5)).toEqual(draw(spec, 5));
  });

  it('makes a share of the writes deletes, and marks a share of both to be read back', () => {
    const requests = draw({ ...spec, deleteShare: 0.25, readBackShare: 0.5 });
    const writes = requests.filter((r) => r.kind !== 'read');
    const deletes = writes.filter((r) => r.kind === 'delete').length / writes.length;
    const readBack = writes.filter((r) => r.readBack === true).length / writes.length;

    expect(deletes).toBeGreaterThan(0.2);
    expect(deletes).toBeLessThan(0.3);
    expect(readBack).toBeGreaterThan(0.45);
    expect(readBack).toBeLessThan(0.55);
    expect(requests.filter((r) => r.kind === 'read').some((r) => r.readBack === true)).toBe(false);
  });
});
