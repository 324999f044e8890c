import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../engine/index.ts';
import { checkScenario, findScenario, parseParams, resolvePreset, runScenario } from '../../scenarios/index.ts';
import type { TwoPcMessage } from '../../scenarios/two-phase-commit/messages.ts';

const scenario = findScenario('two-phase-commit');
const defaults = parseParams(scenario, {});
const preset = (id: string): FaultPlan => resolvePreset(scenario, id, defaults);
const twoPc = ['in-memory', 'durable-log', 'cooperative', 'unilateral-abort'];

/**
 * One transfer arriving within the first 100 ms, no closed accounts: every in-doubt wait in
 * the run belongs to it, and with the same seed it arrives at the same moment in every run.
 */
const single = { transfers: 1, closedAccounts: 0, workloadMs: 100 };
const coordinatorDown = (point: string, downMs: number): FaultPlan => [
  { at: 0, kind: 'crash', node: 'coordinator', when: point },
  { at: 100 + downMs, kind: 'restart', node: 'coordinator' },
];

describe('two-phase-commit without faults', () => {
  it.each(scenario.strategies.map((s) => s.id))('%s commits transfers and keeps every invariant', (strategy) => {
    const r = runScenario(scenario, { strategy, seed: 1, faults: [] });

    expect(r.ok).toBe(true);
    expect(r.metrics.committed!).toBeGreaterThan(5);
    expect(r.metrics.unresolved!).toBe(0);
    expect(r.metrics.committed! + r.metrics.aborted!).toBe(defaults.transfers);
  });

  it('2PC holds each transaction’s locks for about two round trips; a saga holds none across messages', () => {
    const twoPhase = runScenario(scenario, { strategy: 'durable-log', seed: 1, faults: [] });
    const saga = runScenario(scenario, { strategy: 'saga', seed: 1, faults: [] });

    expect(twoPhase.metrics.lockHoldP99Ms!).toBeGreaterThan(5);
    expect(saga.metrics.lockHoldP99Ms!).toBe(0);
    expect(saga.metrics.inDoubtMaxMs!).toBe(0);
    expect(saga.metrics.halfAppliedMaxMs!).toBeGreaterThan(0);
  });

  it('the durable log costs a log force per decision in commit latency', () => {
    const memory = runScenario(scenario, { strategy: 'in-memory', seed: 4, faults: [], params: { logForceMs: 20 } });
    const durable = runScenario(scenario, { strategy: 'durable-log', seed: 4, faults: [], params: { logForceMs: 20 } });

    expect(durable.metrics.commitLatencyP50Ms! - memory.metrics.commitLatencyP50Ms!).toBeGreaterThan(15);
  });

  it('a transfer between two accounts of one participant commits with a single PREPARE that locks both rows', () => {
    const r = runScenario(scenario, {
      strategy: 'durable-log',
      seed: 1,
      faults: [],
      params: { transfers: 1, localShare: 1, closedAccounts: 0, workloadMs: 100 },
      trace: 'memory',
    });

    const prepares = r.trace!.events().flatMap((e) => {
      const msg = e.type === 'send' ? (e.msg as TwoPcMessage) : null;
      return msg?.type === 'prepare' ? [msg] : [];
    });
    expect(r.ok).toBe(true);
    expect(r.metrics.committed!).toBe(1);
    expect(prepares).toHaveLength(1);
    expect(prepares[0]!.deltas).toHaveLength(2);
  });

  it('is deterministic: the same seed and plan give the same trace hash', () => {
    const a = runScenario(scenario, { strategy: 'cooperative', seed: 9, faults: preset('coordinator-crash-after-prepare') });
    const b = runScenario(scenario, { strategy: 'cooperative', seed: 9, faults: preset('coordinator-crash-after-prepare') });

    expect(a.traceHash).toBe(b.traceHash);
  });
});

describe('two-phase-commit when the coordinator crashes after COMMIT reached one participant', () => {
  const faults = preset('coordinator-crash-after-decision');

  it('in-memory: the restarted coordinator presumes ABORT for a committed transfer, breaking atomicity and losing money', () => {
    const r = runScenario(scenario, { strategy: 'in-memory', seed: 1, faults });

    const broken = r.invariants.filter((i) => !i.ok).map((i) => i.name);
    expect(broken).toEqual(expect.arrayContaining(['atomicity', 'money-conserved']));
    expect(r.invariants.find((i) => i.name === 'atomicity')!.violations[0]!.message).toMatch(/committed on p\d but aborted on p\d/);
  });

  it('unilateral-abort: the participant that never heard COMMIT aborts alone, breaking atomicity', () => {
    const r = runScenario(scenario, { strategy: 'unilateral-abort', seed: 1, faults });

    expect(r.invariants.find((i) => i.name === 'atomicity')!.ok).toBe(false);
  });

  it.each(['durable-log', 'cooperative'])('%s: the logged decision is finished after the restart and atomicity holds', (strategy) => {
    const r = runScenario(scenario, { strategy, seed: 1, faults });

    expect(r.ok).toBe(true);
  });
});

describe('two-phase-commit blocking', () => {
  it('time in doubt grows with the coordinator’s downtime', () => {
    const inDoubt = [200, 500, 900].map(
      (down) =>
        runScenario(scenario, { strategy: 'durable-log', seed: 2, params: single, faults: coordinatorDown('prepare-sent', down) }).metrics.inDoubtMaxMs!,
    );

    expect(inDoubt[0]).toBeGreaterThan(150);
    expect(inDoubt[1]).toBeGreaterThan(inDoubt[0]! + 250);
    expect(inDoubt[2]).toBeGreaterThan(inDoubt[1]! + 350);
  });

  it('cooperative termination cuts the wait short when a peer already knows the decision', () => {
    const faults = coordinatorDown('commit-sent', 900);
    const durable = runScenario(scenario, { strategy: 'durable-log', seed: 2, params: single, faults });
    const cooperative = runScenario(scenario, { strategy: 'cooperative', seed: 2, params: single, faults });

    expect(durable.metrics.inDoubtMaxMs!).toBeGreaterThan(800);
    expect(cooperative.metrics.inDoubtMaxMs!).toBeLessThan(250);
    expect(cooperative.ok).toBe(true);
  });

  it('cooperative termination: a peer that has not voted promises to abort, and votes NO when its PREPARE comes late', () => {
    // p2's PREPARE is held up longer than p1's inquiry timeout: p1, in doubt, asks p2 first.
    const r = runScenario(scenario, {
      strategy: 'cooperative',
      seed: 2,
      params: { transfers: 1, participants: 2, localShare: 0, closedAccounts: 0, workloadMs: 100 },
      faults: [{ at: 0, kind: 'degrade', from: 'coordinator', to: 'p2', latency: { kind: 'constant', ms: 170 } }],
      trace: 'memory',
    });

    const notes = r.trace!.events().flatMap((e) => (e.type === 'note' ? [e.text] : []));
    expect(r.ok).toBe(true);
    expect(r.metrics.aborted!).toBe(1);
    expect(notes).toContain('p2 aborts t1 (p1 asked and it had not voted yet)');
    expect(notes).toContain('p2 votes NO on t1: it already promised to abort this transaction');
  });

  it('cooperative termination cannot help when every participant voted YES and none heard the decision', () => {
    const faults = coordinatorDown('prepare-sent', 900);
    const durable = runScenario(scenario, { strategy: 'durable-log', seed: 2, params: single, faults });
    const cooperative = runScenario(scenario, { strategy: 'cooperative', seed: 2, params: single, faults });

    expect(cooperative.metrics.inDoubtMaxMs!).toBeGreaterThan(800);
    expect(Math.abs(cooperative.metrics.inDoubtMaxMs! - durable.metrics.inDoubtMaxMs!)).toBeLessThan(50);
  });

  it('in-doubt participants hold their locks, so later transfers on those rows abort', () => {
    const params = { transfers: 60, accounts: 3, closedAccounts: 0 };
    const calm = runScenario(scenario, { strategy: 'durable-log', seed: 5, params, faults: [] });
    const blocked = runScenario(scenario, { strategy: 'durable-log', seed: 5, params, faults: coordinatorDown('prepare-sent', 700) });

    expect(blocked.metrics.lockHoldP99Ms!).toBeGreaterThan(calm.metrics.lockHoldP99Ms! * 5);
    expect(blocked.metrics.abortRate!).toBeGreaterThan(calm.metrics.abortRate!);
  });

  it('narrates the blocking: an in-doubt participant still holding its lock', () => {
    const r = runScenario(scenario, { strategy: 'in-memory', seed: 1, faults: preset('coordinator-crash-after-prepare'), trace: 'memory' });

    const notes = r.trace!.events().filter((e) => e.type === 'note' && e.level === 'key');
    expect(
      notes.some(
        (n) =>
          n.type === 'note' && /voted YES on t\d+ and has not heard the decision for [\d,]+ ms: it is in doubt and still holds the lock on acct\d/.test(n.text),
      ),
    ).toBe(true);
    expect(r.goals.find((g) => g.name === 'participant-in-doubt')?.reached).toBe(true);
  });

  it('a participant that crashes after voting YES recovers from its log in doubt and resolves', () => {
    const r = runScenario(scenario, { strategy: 'durable-log', seed: 3, faults: preset('participant-crash'), trace: 'memory' });

    expect(r.ok).toBe(true);
    const notes = r.trace!.events().flatMap((e) => (e.type === 'note' ? [e.text] : []));
    expect(notes.some((t) => /p2 restarts and replays its log: t\d+ prepared with no outcome, locks re-taken/.test(t))).toBe(true);
  });
});

describe('two-phase-commit regressions found by the checker', () => {
  it('a retried begin after a presumed ABORT is told the transfer aborted instead of restarting it', () => {
    // Found at run 12,236 of a 20,000-run check: the coordinator crashed after PREPARE, p3
    // crashed after voting; after the restart the coordinator presumed ABORT for p3, then
    // the client's retry started a new round whose PREPARE overtook that ABORT, and the
    // transfer committed on p2 while p3 aborted it.
    const faults: FaultPlan = [
      { at: 479, kind: 'crash', node: 'coordinator', when: 'prepare-sent' },
      { at: 616, kind: 'crash', node: 'p3' },
    ];

    const r = runScenario(scenario, { strategy: 'durable-log', seed: 3920906983, faults });

    expect(r.ok).toBe(true);
  });
  it('a duplicated PREPARE gets no YES until the first one is forced', () => {
    // Found at run 22,371 of a check (seed 1): the network duplicated t18's PREPARE to p2, which
    // answered the copy YES at once while its PREPARE record was still being forced; p2 then
    // crashed at the force and lost the record, the coordinator (told YES) committed, and p1's
    // credit of 54 had no debit: money vanished.
    const faults: FaultPlan = [
      { at: 0, kind: 'degrade', to: 'p2', duplicateRate: 0.41 },
      { at: 861, kind: 'crash', node: 'p2', when: 'io:force' },
    ];

    const r = runScenario(scenario, { strategy: 'durable-log', seed: 4294344338, faults });

    expect(r.invariants.find((i) => i.name === 'money-conserved')!.ok).toBe(true);
    expect(r.ok).toBe(true);
  });
});

describe('two-phase-commit under the checker', () => {
  it.each(['in-memory', 'unilateral-abort'])('%s: the checker finds the atomicity flaw from scratch and shrinks it to at most 2 faults', (strategy) => {
    const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });

    expect(r.counterexample).not.toBeNull();
    expect(scenario.strategies.find((s) => s.id === strategy)!.expectedViolations).toContain(r.counterexample!.invariant);
    expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    expect(r.asExpected).toBe(true);
  });

  it.each(['durable-log', 'cooperative', 'saga'])('%s: every invariant holds over 300 generated fault plans', (strategy) => {
    const r = checkScenario(scenario, { strategy, runs: 300, seed: 21 });

    expect(r.counterexample).toBeNull();
    expect(r.runs).toBe(300);
  });

  it('the checker exercises in-doubt participants under the 2PC strategies', () => {
    for (const strategy of twoPc) {
      const r = checkScenario(scenario, { strategy, runs: 100, seed: 5 });
      expect(r.goals.find((g) => g.name === 'participant-in-doubt')!.runsReached).toBeGreaterThan(0);
    }
  });
});
