import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../engine/index.ts';
import { duplicateHandling as scenario } from '../../scenarios/duplicate-handling/index.ts';
import type { OrderEvent } from '../../scenarios/duplicate-handling/messages.ts';
import { type JournalRow, PaymentsTables, unguardedEffects } from '../../scenarios/duplicate-handling/payments-db.ts';
import { checkScenario } from '../../scenarios/framework/check.ts';
import { parseParams } from '../../scenarios/framework/params.ts';
import { resolvePreset, runScenario } from '../../scenarios/framework/run.ts';
import { declaredSystem } from '../../scenarios/framework/system.ts';

const SEED = 3;
const preset = (id: string) => resolvePreset(scenario, id, parseParams(scenario));
const run = (strategy: string, presetId: string | null) =>
  runScenario(scenario, { strategy, seed: SEED, faults: presetId === null ? [] : preset(presetId), trace: 'off' });
const SOUND = ['unique-key', 'state-machine', 'idempotent-api'];

describe('duplicate-handling: each strategy’s figures', () => {
  it('without protection every redelivery takes effect again', () => {
    for (const p of ['late-redelivery', 'republish', 'lost-ack']) {
      const r = run('no-protection', p);
      expect(r.metrics.redeliveries, p).toBeGreaterThan(0);
      expect(r.metrics.duplicatesApplied, p).toBe(r.metrics.redeliveries);
    }
  });

  it('a unique key, a state machine and an idempotency key catch every redelivery, however late', () => {
    for (const strategy of SOUND) {
      for (const p of scenario.presets) {
        const r = run(strategy, p.id);
        expect(r.metrics.duplicatesApplied, `${strategy}/${p.id}`).toBe(0);
        expect(r.metrics.duplicatesCaught, `${strategy}/${p.id}`).toBe(r.metrics.redeliveries);
        expect(r.metrics.lost, `${strategy}/${p.id}`).toBe(0);
      }
    }
  });

  it('the dedup store catches a redelivery that comes back within its TTL', () => {
    const r = run('dedup-ttl', 'quick-redelivery');
    expect(r.metrics.redeliveries).toBeGreaterThan(0);
    expect(r.metrics.duplicatesApplied).toBe(0);
  });

  it('the dedup store lets a redelivery through once its TTL has passed', () => {
    const r = run('dedup-ttl', 'late-redelivery');
    expect(r.metrics.duplicatesApplied).toBeGreaterThan(0);
    expect(r.firstViolation?.invariant).toBe('no-duplicate-effect');
  });

  it('the dedup store lets a redelivery through after it lost its keys', () => {
    expect(run('dedup-ttl', 'quick-redelivery').metrics.duplicatesApplied).toBe(0);
    expect(run('dedup-ttl', 'store-loss').metrics.duplicatesApplied).toBeGreaterThan(0);
  });

  it('the dedup store stays small, while the key tables grow with every event and the state machine needs none', () => {
    // Every order has a charge and a shipment, some a refund: a row per event.
    const rows = run('unique-key', null).metrics.dedupKeysEnd!;
    expect(rows).toBeGreaterThan(2 * parseParams<{ orders: number }>(scenario).orders);
    expect(run('idempotent-api', null).metrics.dedupKeysEnd).toBe(rows);
    expect(run('state-machine', null).metrics.dedupKeysMax).toBe(0);
    const ttl = run('dedup-ttl', null);
    expect(ttl.metrics.dedupKeysMax).toBeGreaterThan(0);
    expect(ttl.metrics.dedupKeysMax).toBeLessThan(rows);
    expect(ttl.metrics.dedupKeysEnd).toBe(0);
  });

  it('exercises every event of an order: charges, shipments and refunds', () => {
    const r = runScenario(scenario, { strategy: 'state-machine', seed: SEED, faults: [], trace: 'memory' });
    const kinds = new Set(
      r
        .trace!.events()
        .filter((e) => e.type === 'deliver' && (e as unknown as { msg: { type: string } }).msg.type === 'apply')
        .map((e) => (e as unknown as { msg: { event: OrderEvent } }).msg.event.kind),
    );
    expect([...kinds].sort()).toEqual(['charge', 'refund', 'ship']);
  });
});

describe('duplicate-handling: crashes of every stateful node', () => {
  it('declares the broker, the worker, the payments database and the dedup store crashable', () => {
    const space = declaredSystem(scenario, parseParams(scenario)).faultSpace;
    expect([...space.crashable].sort()).toEqual(['broker-1', 'dedup-store', 'payments-db', 'worker']);
  });

  it('keeps every effect and its dedup record through a crash of the payments database between two writes', () => {
    for (const strategy of SOUND) {
      for (const when of ['io:write', 'io:force', 'io:forced', 'io:sent']) {
        const faults = [{ at: 300, kind: 'crash' as const, node: 'payments-db', when, torn: 1 }];
        const r = runScenario(scenario, { strategy, seed: SEED, faults, trace: 'off' });
        expect(r.ok, `${strategy} crashed at ${when}`).toBe(true);
      }
    }
  });
});

describe('duplicate-handling: dedup records kept with their effects', () => {
  const event = (kind: OrderEvent['kind']): OrderEvent => ({ id: `o1.${kind}`, order: 'o1', customer: 'c1', kind, amount: 10 });
  const tablesOf = (rows: JournalRow[]): PaymentsTables => {
    const disk = new DurableStore();
    for (const row of rows) disk.log<JournalRow>('journal').append(row);
    return PaymentsTables.replay(disk);
  };

  it('rebuilds the tables from the journal, one transaction per row', () => {
    const t = tablesOf([
      { event: 'o1.charge', order: 'o1', customer: 'c1', balance: 10, state: 'charged' },
      { event: 'o1.refund', order: 'o1', customer: 'c1', balance: -10, state: 'refunded' },
    ]);
    expect(t.balances.get('c1')).toBe(0);
    expect(t.orders.get('o1')).toBe('refunded');
    expect(t.effects.get('o1.charge')).toBe(1);
  });

  it('finds an effect whose processed-events row or idempotency key is missing', () => {
    const t = tablesOf([
      { event: 'o1.charge', order: 'o1', customer: 'c1', balance: 10, processed: true, key: true },
      { event: 'o1.ship', order: 'o1', customer: 'c1', balance: 0 },
    ]);
    expect(unguardedEffects('processed-row', t, [event('charge'), event('ship')])).toEqual(['o1.ship']);
    expect(unguardedEffects('idempotency-key', t, [event('charge'), event('ship')])).toEqual(['o1.ship']);
  });

  it('finds an effect whose order is not in the state it moved it to', () => {
    const t = tablesOf([{ event: 'o1.charge', order: 'o1', customer: 'c1', balance: 10, state: 'charged' }]);
    expect(unguardedEffects('order-state', t, [event('charge')])).toEqual([]);
    expect(unguardedEffects('order-state', t, [event('ship')])).toEqual(['o1.ship']);
  });
});

describe('duplicate-handling: the checker', () => {
  for (const strategy of ['no-protection', 'dedup-ttl']) {
    it(`finds ${strategy} applying a duplicate from scratch and shrinks it to at most 2 faults`, () => {
      const r = checkScenario(scenario, { strategy, runs: 1000, seed: 1 });
      expect(r.counterexample?.invariant).toBe('no-duplicate-effect');
      expect(r.asExpected).toBe(true);
      expect(r.counterexample!.faults.length).toBeLessThanOrEqual(2);
    });
  }

  for (const strategy of SOUND) {
    it(`finds no duplicate, loss or lost dedup record for ${strategy} over 200 generated fault plans`, () => {
      const r = checkScenario(scenario, { strategy, runs: 200, seed: 7 });
      expect(r.counterexample).toBeNull();
    });
  }
});

describe('duplicate-handling: determinism', () => {
  it('gives the same trace hash for the same seed and fault plan', () => {
    const faults = preset('store-loss');
    const a = runScenario(scenario, { strategy: 'dedup-ttl', seed: 5, faults, trace: 'hash' });
    const b = runScenario(scenario, { strategy: 'dedup-ttl', seed: 5, faults, trace: 'hash' });
    expect(a.traceHash).toBe(b.traceHash);
  });
});
