/**
 * CacheStore's journal: every change to the keyspace is heard as an effect, and replaying the
 * effects into an empty store rebuilds the same keyspace (what an append-only file is for).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheCommand, CacheStore } from '../../../../scenarios/parts/cache/cache-store.ts';
import type { KeyspaceEffect } from '../../../../scenarios/parts/cache/keyspace-effect.ts';

const key = fc.constantFrom('a', 'b', 'c');
const value = fc.constantFrom('1', '2', 'x');
const command: fc.Arbitrary<CacheCommand> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value, px: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('del' as const), key }),
  fc.record({ op: fc.constant('incr' as const), key }),
  fc.record({ op: fc.constant('rpush' as const), key, value }),
  fc.record({ op: fc.constant('lpop' as const), key, count: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ op: fc.constant('pexpire' as const), key, ms: fc.integer({ min: -5, max: 50 }) }),
  fc.record({ op: fc.constant('persist' as const), key }),
  fc.record({ op: fc.constant('get' as const), key }),
  fc.constant({ op: 'flushall' as const }),
);

describe('CacheStore journal', () => {
  it('replaying the journal rebuilds the same live keyspace, with the same expiries, at any later time', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(command, fc.integer({ min: 0, max: 10 })), { maxLength: 40 }), fc.integer({ min: 0, max: 200 }), (steps, laterMs) => {
        const effects: KeyspaceEffect[] = [];
        const store = new CacheStore(600, (e) => effects.push(e));
        let now = 0;
        for (const [cmd, advanceMs] of steps) {
          now += advanceMs;
          store.execute(cmd, now);
        }
        const restored = new CacheStore(600);
        for (const e of effects) restored.restore(e);

        const at = now + laterMs;
        // Recency is not journaled (nor is it in Redis's file): the keys are compared as a set.
        const view = (s: CacheStore) => [...s.keys(at)].sort().map((k) => [k, s.peek(k, at), s.execute({ op: 'pttl', key: k }, at).n]);
        expect(view(restored)).toEqual(view(store));
        expect(restored.memoryBytes).toBe(store.memoryBytes);
      }),
      { seed: 20, numRuns: 300 },
    );
  });

  it('an eviction is journaled as a drop', () => {
    const effects: KeyspaceEffect[] = [];
    const store = new CacheStore(200, (e) => effects.push(e));

    store.execute({ op: 'set', key: 'a', value: 1, bytes: 100 }, 0);
    store.execute({ op: 'set', key: 'b', value: 1, bytes: 100 }, 0);
    store.execute({ op: 'set', key: 'c', value: 1, bytes: 100 }, 0);

    expect(effects.map((e) => (e.kind === 'flush' ? e.kind : `${e.kind} ${e.key}`))).toEqual(['put a', 'put b', 'drop a', 'put c']);
  });
});
