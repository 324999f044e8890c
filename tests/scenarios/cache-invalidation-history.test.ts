/**
 * cache-invalidation's users' reads and writes as a kv history, judged by the generic
 * linearizability checker: versioned-keys claims it (linearizable-reads) and keeps it; a
 * one-line bug in it is found by the claim (and shrunk and replayed like any finding); the
 * strategies that promise only bounded staleness claim nothing, and their histories fail the
 * checker wherever the scenario's own auditor finds a stale read.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Spawn } from '../../engine/index.ts';
import { checkHistory } from '../../history/index.ts';
import type * as App from '../../scenarios/cache-invalidation/app.ts';
import { cacheInvalidation as scenario } from '../../scenarios/cache-invalidation/index.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import { type AppMessage, respond } from '../../scenarios/parts/workload/open-loop-clients.ts';

/** Which bug the app servers have (switched per test). */
const bug = vi.hoisted(() => ({ ackBeforeCommit: false }));

// versioned-keys-ack-before-commit of the mutation suite, planted from outside: the app
// acknowledges a write as soon as it arrives, before the database has committed it (the
// one-line `respond(ctx, to, req, true);` at the top of onWrite).
vi.mock('../../scenarios/cache-invalidation/app.ts', async (importOriginal) => {
  const app = await importOriginal<typeof App>();
  return {
    ...app,
    invalidationApp(config: App.InvalidationAppConfig) {
      const spawn = app.invalidationApp(config) as Spawn<AppMessage, unknown>;
      if (!bug.ackBeforeCommit) return spawn;
      const early: Spawn<AppMessage, unknown> = (ctx) => {
        const handlers = spawn(ctx);
        return {
          ...handlers,
          onMessage(from, msg) {
            if (msg.type === 'req' && msg.kind !== 'read') respond(ctx, from, msg, true);
            handlers.onMessage?.(from, msg);
          },
        };
      };
      return early;
    },
  };
});

const defaults = parseParams(scenario, {});
const CLAIM = 'linearizable-reads';

describe('cache-invalidation, the users’ history judged by the generic linearizability checker', () => {
  it('versioned-keys claims linearizable reads and keeps them under every preset; the others claim nothing', () => {
    for (const preset of scenario.presets) {
      const faults = resolvePreset(scenario, preset.id, defaults);
      const r = runScenario(scenario, { strategy: 'versioned-keys', seed: 1, faults, history: true });
      expect(r.invariants.find((i) => i.name === CLAIM)?.ok).toBe(true);
      expect(r.historyJudgements![CLAIM]).toMatchObject({ ok: true, model: 'kv' });
      // The judgement above came from the commit order proposed; the search agrees.
      expect(checkHistory(r.history!, { model: 'kv' }).ok).toBe(true);
      const ops = r.history!.operations;
      expect(ops.filter((op) => op.type === 'invoke' && op.f === 'read').length).toBeGreaterThan(100);
      expect(ops.some((op) => op.type === 'ok' && op.f === 'write')).toBe(true);
    }
    for (const strategy of ['ttl', 'ttl-jitter', 'delete-on-write', 'event-invalidation'])
      expect(runScenario(scenario, { strategy, seed: 1, trace: 'off' }).invariants.some((i) => i.name === CLAIM)).toBe(false);
  });

  it('records without changing the trace, and records nothing when nobody reads the history', () => {
    const plain = runScenario(scenario, { strategy: 'versioned-keys', seed: 2 });
    const recorded = runScenario(scenario, { strategy: 'versioned-keys', seed: 2, history: true });
    expect(recorded.traceHash).toBe(plain.traceHash);
    expect(plain.history).toBeNull();
    expect(runScenario(scenario, { strategy: 'delete-on-write', seed: 2, history: true }).history!.operations.length).toBeGreaterThan(0);
    expect(runScenario(scenario, { strategy: 'delete-on-write', seed: 2 }).history).toBeNull();
  });

  it('the strategies that promise only bounded staleness: wherever the auditor finds a stale read past the bound, the checker rejects the history too', () => {
    let stale = 0;
    for (const strategy of ['ttl', 'delete-on-write', 'event-invalidation'])
      for (const preset of ['lost-invalidation', 'slow-reader', 'cache-clock-back'])
        for (const seed of [1, 2]) {
          const faults = resolvePreset(scenario, preset, defaults);
          const r = runScenario(scenario, { strategy, seed, faults, history: true, trace: 'off' });
          if (r.invariants.find((i) => i.name === 'bounded-staleness')!.ok) continue;
          stale++;
          const result = checkHistory(r.history!, { model: 'kv', statesMax: 200_000 });
          expect(result.ok, `${strategy} ${preset} seed ${seed}`).toBe(false);
          expect(result.anomalies[0]!.type).toBe('not-linearizable');
        }
    expect(stale).toBeGreaterThan(3);
  });

  it('a write acknowledged before it commits: the claim finds it in the first runs, where the staleness bound never does, and the finding shrinks and replays', () => {
    bug.ackBeforeCommit = true;
    try {
      const r = checkScenario(scenario, { strategy: 'versioned-keys', runs: 50, seed: 1 });
      expect(r.counterexample?.invariant).toBe(CLAIM);
      expect(r.counterexample!.index).toBeLessThan(5);
      expect(r.counterexample!.message).toMatch(/^kv: not-linearizable: /);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(1);
      const again = runScenario(scenario, { strategy: 'versioned-keys', seed: r.counterexample!.seed, faults: r.counterexample!.faults });
      expect(again.traceHash).toBe(r.counterexample!.traceHash);
      expect(again.invariants.find((i) => i.name === CLAIM)!.ok).toBe(false);
      expect(again.invariants.find((i) => i.name === 'bounded-staleness')!.ok).toBe(true);
    } finally {
      bug.ackBeforeCommit = false;
    }
    expect(checkScenario(scenario, { strategy: 'versioned-keys', runs: 50, seed: 1 }).counterexample).toBeNull();
  });
});
