import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import type { World } from '../../scenarios/framework/scenario.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { HotKeyAuditor } from '../../scenarios/hotspot/hot-key-auditor.ts';
import { hotspot } from '../../scenarios/hotspot/index.ts';
import { CELEBRITY } from '../../scenarios/hotspot/workload.ts';

const run = (strategy: string, presetId: string, seed = 1) =>
  runScenario(hotspot, { strategy, seed, faults: resolvePreset(hotspot, presetId, hotspot.params.parse({})) });
const overloaded = (r: ReturnType<typeof run>): boolean => !r.invariants.find((i) => i.name === 'no-overloaded-shard')!.ok;

/** A world that tells the time, reads node clocks from a table, and collects violations: enough for the auditor. */
function fakeWorld(clocks: Record<number, number> = {}) {
  const w = { violations: [] as string[], nowMs: 0 };
  const world = {
    get now() {
      return w.nowMs;
    },
    violate: (invariant: string) => void w.violations.push(invariant),
    reach: () => {},
    sim: { clockOf: (node: number) => clocks[node] ?? w.nowMs },
  } as unknown as World<unknown>;
  return { world, w, clocks };
}

const auditorFor = (world: World<unknown>) => new HotKeyAuditor(world, { stores: ['s1', 's2'], serviceMs: 20, backlogMax: 20, cacheTtlMs: 500 });

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

  it('counts a like once when the primary crashes after counting it and before acknowledging it: the retry carries the same id', () => {
    const r = run('salted-cache', 'primary-crash');

    expect(r.ok).toBe(true);
    expect(r.metrics.likeLatencyP99Ms).toBeGreaterThan(250);
  });

  it('lets every node but the users crash, and every node pause, be cut off and have its clock moved', () => {
    const space = declaredSystem(hotspot, hotspot.params.parse({})).faultSpace;

    expect(space.crashable).not.toContain('users');
    expect(space.crashable).toHaveLength(3 + 4 * 3);
    expect(space.nodes.every((n) => n.pause && n.network && n.clock)).toBe(true);
  });

  it('finds each partial fix’s overload from scratch and shrinks it to one surge', () => {
    for (const strategy of ['plain', 'salted', 'replica-reads', 'local-cache']) {
      const result = checkScenario(hotspot, { strategy, runs: 1000, seed: 1 });

      expect(result.asExpected).toBe(true);
      expect(result.counterexample!.invariant).toBe('no-overloaded-shard');
      expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
    }
  });

  it('keeps split-and-cache sound under generated faults of every class', () => {
    const result = checkScenario(hotspot, { strategy: 'salted-cache', runs: 300, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
    expect(result.coverage.items.filter((i) => i.runs === 0).map((i) => i.item)).toEqual([]);
  });

  it('gives the same trace hash for the same seed and plan', () => {
    const faults = resolvePreset(hotspot, 'like-storm', hotspot.params.parse({}));

    const a = runScenario(hotspot, { strategy: 'salted-cache', seed: 9, faults });
    const b = runScenario(hotspot, { strategy: 'salted-cache', seed: 9, faults });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('hotspot auditor', () => {
  it('calls a second refresh started while one is in flight a break of single flight', () => {
    const { world, w } = fakeWorld();
    const auditor = auditorFor(world);

    auditor.refreshStarted('app1', 1);
    auditor.refreshEnded('app1');
    auditor.refreshStarted('app1', 1);
    expect(w.violations).toEqual([]);

    auditor.refreshStarted('app1', 1);
    expect(w.violations).toEqual(['single-flight']);
  });

  it('forgets an app server’s refresh in flight when it restarts', () => {
    const { world, w } = fakeWorld();
    const auditor = auditorFor(world);

    auditor.refreshStarted('app1', 1);
    auditor.appStarted('app1');
    auditor.refreshStarted('app1', 1);

    expect(w.violations).toEqual([]);
  });

  it('measures a cached count’s age on the app server’s own clock', () => {
    const { world, w, clocks } = fakeWorld({ 1: 1000 });
    const auditor = auditorFor(world);
    auditor.refreshStarted('app1', 1);
    auditor.refreshEnded('app1');

    clocks[1] = 1500;
    auditor.cacheServed('app1', 1);
    expect(w.violations).toEqual([]);

    clocks[1] = 1501;
    auditor.cacheServed('app1', 1);
    expect(w.violations).toEqual(['cache-ttl-honoured']);
  });

  it('calls a count missing a like acknowledged before it was read a violation', () => {
    const { world, w } = fakeWorld();
    const auditor = auditorFor(world);
    auditor.likeSent(CELEBRITY);
    auditor.likeSent(CELEBRITY);
    auditor.likeAcked(CELEBRITY, 0);
    auditor.likeAcked(CELEBRITY, 0);

    auditor.celebrityView('app1', 2, 2, 0, 1, false);
    auditor.celebrityView('app1', 1, 1, 0, 1, false);
    expect(w.violations).toEqual([]);

    auditor.celebrityView('app1', 1, 2, 0, 1, false);
    expect(w.violations).toEqual(['counts-include-acknowledged-likes']);
  });

  it('finds acknowledged likes missing from the counts, and likes counted more often than given', () => {
    const { world, w } = fakeWorld();
    const auditor = auditorFor(world);
    for (const key of ['post:1', 'post:1', 'post:2']) auditor.likeSent(key);
    auditor.likeAcked('post:1', 0);
    auditor.likeAcked('post:1', 0);

    auditor.judgeCounts(
      new Map([
        ['post:1', 2],
        ['post:2', 0],
      ]),
    );
    expect(w.violations).toEqual([]);

    auditor.judgeCounts(
      new Map([
        ['post:1', 1],
        ['post:2', 2],
      ]),
    );
    expect(w.violations).toEqual(['no-acknowledged-like-lost', 'no-like-counted-twice']);
  });
});
