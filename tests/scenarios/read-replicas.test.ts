import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../engine/index.ts';
import { checkHistory } from '../../history/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import type { World } from '../../scenarios/framework/scenario.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';
import { ReplicationLog } from '../../scenarios/parts/replication/replication-log.ts';
import { readReplicas } from '../../scenarios/read-replicas/index.ts';
import { rowsThatDiffer, SessionAuditor } from '../../scenarios/read-replicas/session-auditor.ts';

const run = (strategy: string, presetId: string, seed = 1) =>
  runScenario(readReplicas, { strategy, seed, faults: resolvePreset(readReplicas, presetId, readReplicas.params.parse({})) });
const broken = (r: ReturnType<typeof run>, invariant: string): boolean => !r.invariants.find((i) => i.name === invariant)!.ok;

/** A world that only tells the time and collects violations: enough for the auditor. */
function fakeWorld(): World<unknown> & { violations: string[]; nowMs: number } {
  const w = { violations: [] as string[], nowMs: 0 };
  return Object.assign(w, {
    get now() {
      return w.nowMs;
    },
    violate: (invariant: string) => void w.violations.push(invariant),
    reach: () => {},
  }) as unknown as World<unknown> & { violations: string[]; nowMs: number };
}

describe('read-replicas', () => {
  it('serves every read from the primary, never stale, when all reads go there', () => {
    const r = run('primary-only', 'lag-spike');

    expect(r.metrics.primaryReadShare).toBe(1);
    expect(r.metrics.staleReadRate).toBe(0);
    expect(r.ok).toBe(true);
  });

  it('takes all reads off the primary with plain replica reads, and breaks both session guarantees', () => {
    const r = run('replica-reads', 'lag-spike');

    expect(r.metrics.primaryReadShare).toBe(0);
    expect(r.metrics.readYourWritesViolations).toBeGreaterThan(0);
    expect(r.metrics.monotonicReadViolations).toBeGreaterThan(0);
    expect(broken(r, 'read-your-writes')).toBe(true);
  });

  it('keeps read-your-writes by reading the primary after a write while lag stays under the window', () => {
    const r = run('primary-after-write', 'no-faults');

    expect(r.ok).toBe(true);
    expect(r.metrics.primaryReadShare).toBeLessThan(1);
  });

  it('misses the writer’s own write once a lag spike outlasts the primary-after-write window', () => {
    const r = run('primary-after-write', 'lag-spike', 3);

    expect(broken(r, 'read-your-writes')).toBe(true);
  });

  it('keeps both guarantees through a lag spike by waiting for the session’s log position, falling back to the primary', () => {
    const r = run('lsn-wait', 'lag-spike');

    expect(r.ok).toBe(true);
    expect(r.metrics.fallbackReads).toBeGreaterThan(0);
    expect(r.metrics.primaryReadShare).toBeLessThan(0.6);
  });

  it('shows the replica lag climbing to the stall’s length during a lag spike', () => {
    const r = run('lsn-wait', 'lag-spike');

    expect(r.metrics.replicaLagMaxMs).toBeGreaterThan(1500);
    expect(r.metrics.replicaLagMaxMs).toBeLessThan(2500);
  });

  it('loses no acknowledged write when the primary crashes right after acknowledging one, and its replicas catch up', () => {
    for (const strategy of ['primary-only', 'lsn-wait']) {
      const r = run(strategy, 'primary-crash');

      expect(r.ok).toBe(true);
    }
  });

  it('lets every node but the sessions crash, pause, be cut off and have its clock moved', () => {
    const space = declaredSystem(readReplicas, readReplicas.params.parse({})).faultSpace;

    expect(space.crashable).toEqual(['primary', 'r1', 'r2']);
    expect(space.nodes.filter((n) => n.pause && n.network && n.clock).map((n) => n.name)).toEqual(['user1', 'user2', 'user3', 'primary', 'r1', 'r2']);
  });

  it('exercises writes, deletes and read-backs', () => {
    const r = runScenario(readReplicas, { strategy: 'primary-only', seed: 4, faults: [], trace: 'memory' });
    const writes = r.trace!.events().filter((e) => e.type === 'send' && (e.msg as { type: string }).type === 'write');

    expect(writes.some((e) => (e as { msg: { deleted?: true } }).msg.deleted === true)).toBe(true);
    expect(writes.some((e) => (e as { msg: { deleted?: true } }).msg.deleted === undefined)).toBe(true);
    expect(r.goals.find((g) => g.name === 'read-back')!.reached).toBe(true);
  });

  it('finds plain replica reads breaking a session guarantee from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(readReplicas, { strategy: 'replica-reads', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(['read-your-writes', 'monotonic-reads']).toContain(result.counterexample!.invariant);
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('finds primary-after-write missing an own write from scratch and shrinks it to at most 2 faults', () => {
    const result = checkScenario(readReplicas, { strategy: 'primary-after-write', runs: 1000, seed: 1 });

    expect(result.asExpected).toBe(true);
    expect(result.counterexample!.invariant).toBe('read-your-writes');
    expect(result.counterexample!.faults.length).toBeLessThanOrEqual(2);
  });

  it('keeps primary-only reads sound under generated faults of every class', () => {
    const result = checkScenario(readReplicas, { strategy: 'primary-only', runs: 300, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.coverage.items.filter((i) => i.runs === 0).map((i) => i.item)).toEqual([]);
  });

  it('keeps LSN-wait reads sound under generated faults of every class', () => {
    const result = checkScenario(readReplicas, { strategy: 'lsn-wait', runs: 300, seed: 7 });

    expect(result.counterexample).toBeNull();
    expect(result.goalsNeverReached).toEqual([]);
  });

  it('gives the same trace hash for the same seed and plan', () => {
    const faults = resolvePreset(readReplicas, 'replica-crash', readReplicas.params.parse({}));

    const a = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 3, faults });
    const b = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 3, faults });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('read-replicas, judged by the generic session checker on the recorded history', () => {
  const params = readReplicas.params.parse({});
  const withHistory = (strategy: string, presetId: string, seed = 1) =>
    runScenario(readReplicas, { strategy, seed, faults: resolvePreset(readReplicas, presetId, params), history: true });

  it('finds exactly the violations the session auditor counts, for plain replica reads', () => {
    const r = withHistory('replica-reads', 'lag-spike');
    const anomalies = checkHistory(r.history!, { model: 'session' }).anomalies;

    expect(broken(r, 'session-guarantees')).toBe(true);
    expect(anomalies.filter((a) => a.type === 'read-your-writes')).toHaveLength(r.metrics.readYourWritesViolations!);
    expect(anomalies.filter((a) => a.type === 'monotonic-reads')).toHaveLength(r.metrics.monotonicReadViolations!);
    expect(r.invariants.find((i) => i.name === 'session-guarantees')!.violations[0]!.message).toMatch(/^session: (read-your-writes|monotonic-reads): user\d/);
  });

  it('passes the sound strategies under every preset, with sessions that overlap their own requests', () => {
    for (const strategy of ['primary-only', 'lsn-wait']) {
      for (const preset of readReplicas.presets.map((x) => x.id)) {
        const r = withHistory(strategy, preset);
        expect(broken(r, 'session-guarantees'), `${strategy} under ${preset}`).toBe(false);
      }
    }
    const threads = withHistory('lsn-wait', 'replica-cut-off').history!.operations.map((op) => String(op.process));
    expect(threads.some((p) => /^user\d+#\d+$/.test(p))).toBe(true);
  });

  it('records every operation with its outcome and changes nothing in the trace', () => {
    const faults = resolvePreset(readReplicas, 'replica-crash', params);
    const plain = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 2, faults });
    const recorded = runScenario(readReplicas, { strategy: 'lsn-wait', seed: 2, faults, history: true });
    const ops = recorded.history!.operations;

    expect(recorded.traceHash).toBe(plain.traceHash);
    expect(plain.history).toBeNull();
    expect(ops.filter((op) => op.type === 'invoke')).toHaveLength(ops.filter((op) => op.type !== 'invoke').length);
    expect(ops.find((op) => op.type === 'ok' && op.f === 'write')!.value).toEqual([expect.stringMatching(/^row\d+$/), expect.any(Number)]);
  });
});

describe('read-replicas end checks', () => {
  it('finds an acknowledged write that the primary’s log no longer holds, or holds another write at its position', () => {
    const auditor = new SessionAuditor(fakeWorld());
    const log = new ReplicationLog<{ key: string; id: string }>(new DurableStore());
    log.append(1, 0, { key: 'row1', id: 'user1.0' });
    log.append(1, 0, { key: 'row2', id: 'user2.5' });
    auditor.writeAcked('user1', 'row1', 1, 'user1.0');
    auditor.writeAcked('user1', 'row2', 2, 'user1.3');
    auditor.writeAcked('user2', 'row3', 3, 'user2.7');

    expect(auditor.writesMissingFrom(log).map((w) => w.id)).toEqual(['user1.3', 'user2.7']);
  });

  it('finds the rows on which a replica and the primary disagree, missing ones included', () => {
    const table = (rows: [string, number][]) => new Map(rows.map(([k, lsn]) => [k, { lsn }]));

    expect(
      rowsThatDiffer(
        table([
          ['a', 1],
          ['b', 4],
          ['c', 3],
        ]),
        table([
          ['a', 1],
          ['b', 2],
          ['d', 5],
        ]),
      ),
    ).toEqual(['b', 'c', 'd']);
  });
});
