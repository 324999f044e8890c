import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOrSet, elementsOf, emptyOrSet, hasElement, mergeOrSet, type OrSetOp, removeOp } from '../../../../scenarios/parts/replication/or-set.ts';

const add = (element: string, tag: string): OrSetOp => ({ kind: 'add', element, tag });

describe('OrSet', () => {
  it('keeps both of two concurrent adds to the same set', () => {
    const us = emptyOrSet();
    const eu = emptyOrSet();
    applyOrSet(us, add('milk', 'us-1'));
    applyOrSet(eu, add('eggs', 'eu-1'));

    mergeOrSet(us, eu);
    mergeOrSet(eu, us);

    expect(elementsOf(us)).toEqual(['eggs', 'milk']);
    expect(elementsOf(eu)).toEqual(['eggs', 'milk']);
  });

  it('removes only the adds it observed: a concurrent re-add wins', () => {
    const a = emptyOrSet();
    applyOrSet(a, add('milk', 't1'));
    const b = structuredClone(a);
    const remove = removeOp(a, 'milk');
    applyOrSet(a, remove);
    applyOrSet(b, add('milk', 't2'));

    mergeOrSet(a, b);

    expect(hasElement(a, 'milk')).toBe(true);
    expect(a.adds.milk).toEqual(['t2']);
  });

  it('keeps a removed add removed when the add arrives after the remove', () => {
    const s = emptyOrSet();

    applyOrSet(s, { kind: 'remove', tags: ['t1'] });
    applyOrSet(s, add('milk', 't1'));

    expect(hasElement(s, 'milk')).toBe(false);
  });

  it('ends in the same state whatever order and however often the operations arrive', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), element: fc.constantFrom('a', 'b', 'c'), tag: fc.constantFrom('t1', 't2', 't3', 't4') }),
      fc.record({ kind: fc.constant('remove' as const), tags: fc.subarray(['t1', 't2', 't3', 't4']) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.func(fc.integer()), (ops, order) => {
        const forward = emptyOrSet();
        for (const o of ops) applyOrSet(forward, o);
        const shuffled = ops
          .map((o, i) => ({ o, k: order(i) }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.o);
        const other = emptyOrSet();
        for (const o of [...shuffled, ...shuffled]) applyOrSet(other, o);
        expect(elementsOf(other)).toEqual(elementsOf(forward));
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
