import { describe, expect, it } from 'vitest';
import { hotspot } from '../../scenarios/hotspot/index.ts';
import { checkScenario, resolvePreset, runScenario } from '../../scenarios/index.ts';

const run = (strategy: string, presetId: string, seed = 1) =>
  runScenario(hotspot, { strategy, seed, faults: resolvePreset(hotspot, presetId, hotspot.params.parse({})) });
const overloaded = (r: ReturnType<typeof run>): boolean => !r.invariants.find((i) => i.name === 'no-overloaded-shard')!.ok;

describe('hotspot', () => {
  it('keeps every shard below capacity under everyday traffic, whatever the strategy', () => {
    for (const s of hotspot.strategies) {
      const r = run(s.id, 'no-surge');

      expect(r.ok).toBe(true);
      expect(r.metrics.peakBacklog).toBeLessThan(10);
    }
  });

  it('overloads the celebrity’s shard when nothing special is done about a viral post', () => {
    const r = run('plain', 'viral-post');

    expect(overloaded(r)).toBe(true);
    expect(r.metrics.peakLoadPerSec).toBeGreaterThan(50);
    expect(r.metrics.viewLatencyP99Ms).toBeGreaterThan(500);
  });

  it('shows the overloaded shard serving again once the storm has drained, even with no new requests for it', () => {
    const faults = resolvePreset(hotspot, 'viral-post', hotspot.params.parse({}));
    const r = runScenario(hotspot, { strategy: 'plain', seed: 1, faults, trace: 'memory' });
    const states = r.trace!.events().filter((e) => e.type === 'state' && (e.state === 'overloaded' || e.state === 'serving'));
    const last = new Map(states.map((e) => [e.type === 'state' ? e.node : '', e.type === 'state' ? e.state : '']));

    expect(states.some((e) => e.type === 'state' && e.state === 'overloaded')).toBe(true);
    expect([...last.values()].every((state) => state === 'serving')).toBe(true);
  });

  it('makes every view of a split key cost one request per shard', () => {
    const r = run('salted', 'viral-post');

    expect(r.metrics.requestsPerView).toBe(4);
    expect(overloaded(r)).toBe(true);
  });

  it('absorbs a view storm on replicas, at the price of some stale counts', () => {
    const r = run('replica-reads', 'viral-post');

    expect(r.ok).toBe(true);
    expect(r.metrics.staleViewRate).toBeGreaterThan(0);
  });

  it('still overloads the one primary under a like storm when only reads are moved to replicas', () => {
    expect(overloaded(run('replica-reads', 'like-storm'))).toBe(true);
  });

  it('answers most views from the app servers’ caches, with counts up to the cache lifetime old', () => {
    const r = run('local-cache', 'viral-post');

    expect(r.ok).toBe(true);
    expect(r.metrics.cacheHitRate).toBeGreaterThan(0.8);
    expect(r.metrics.stalenessP99Ms).toBeGreaterThan(100);
    expect(r.metrics.stalenessP99Ms).toBeLessThanOrEqual(500 + 50);
  });

  it('still overloads the one primary under a like storm with only a local cache', () => {
    expect(overloaded(run('local-cache', 'like-storm'))).toBe(true);
  });

  it('holds both storms when likes are split and the total is cached', () => {
    for (const presetId of ['viral-post', 'like-storm']) {
      const r = run('salted-cache', presetId);

      expect(r.ok).toBe(true);
      expect(r.metrics.requestsPerView).toBeLessThan(1);
    }
  });

  it('finds each partial fix’s overload from scratch and shrinks it to one surge', () => {
    for (const strategy of ['plain', 'salted', 'replica-reads', 'local-cache']) {
      const result = checkScenario(hotspot, { strategy, runs: 1000, seed: 1 });

      expect(result.asExpected).toBe(true);
      expect(result.counterexample!.invariant).toBe('no-overloaded-shard');
      expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
    }
  });

  it('keeps split-and-cache sound under generated surges', () => {
    const result = checkScenario(hotspot, { strategy: 'salted-cache', runs: 200, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
  });

  it('gives the same trace hash for the same seed and plan', () => {
    const faults = resolvePreset(hotspot, 'like-storm', hotspot.params.parse({}));

    const a = runScenario(hotspot, { strategy: 'salted-cache', seed: 9, faults });
    const b = runScenario(hotspot, { strategy: 'salted-cache', seed: 9, faults });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('hotspot regressions found by the checker', () => {
  it('a second celebrity surge replaces the first instead of adding to it', () => {
    // Found by a 5,000-run check at seed 2: two overlapping surges added up to twice what the
    // fault space allows one surge to be, and overloaded even the sound strategy.
    const faults = [
      { at: 110, kind: 'inject' as const, name: 'celebrity-surge', node: 'users', args: { viewsPerSec: 140, likesPerSec: 59, durationMs: 1345 } },
      { at: 956, kind: 'inject' as const, name: 'celebrity-surge', node: 'users', args: { viewsPerSec: 169, likesPerSec: 54, durationMs: 1489 } },
    ];

    const r = runScenario(hotspot, { strategy: 'salted-cache', seed: 2012339587, faults });

    expect(r.ok).toBe(true);
  });
});
