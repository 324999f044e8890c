import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLater, lwwRegister, mergeLww } from '../../../../scenarios/parts/replication/lww-register.ts';

describe('LwwRegister', () => {
  it('keeps the write with the later timestamp', () => {
    const early = lwwRegister(['a'], { ms: 10, origin: 'us' });
    const late = lwwRegister(['b'], { ms: 20, origin: 'eu' });

    expect(mergeLww(early, late).value).toEqual(['b']);
    expect(mergeLww(late, early).value).toEqual(['b']);
  });

  it('breaks a timestamp tie by the writer’s name', () => {
    expect(isLater({ ms: 5, origin: 'us' }, { ms: 5, origin: 'eu' })).toBe(true);
    expect(isLater({ ms: 5, origin: 'eu' }, { ms: 5, origin: 'us' })).toBe(false);
  });

  it('discards the losing value whole: concurrent adds to a list lose one side', () => {
    const base = lwwRegister(['x'], { ms: 1, origin: 'us' });
    const us = lwwRegister([...base.value, 'from-us'], { ms: 10, origin: 'us' });
    const eu = lwwRegister([...base.value, 'from-eu'], { ms: 11, origin: 'eu' });

    expect(mergeLww(us, eu).value).toEqual(['x', 'from-eu']);
  });

  it('converges to the same value in any merge order', () => {
    const stamp = fc.record({ ms: fc.integer({ min: 0, max: 50 }), origin: fc.constantFrom('us', 'eu', 'ap') });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), stamp), { minLength: 1, maxLength: 8 }), (writes) => {
        const registers = writes.map(([v, s]) => lwwRegister(v, s));
        const forward = registers.reduce((acc, r) => mergeLww(acc, r), registers[0]!);
        const backward = [...registers].reverse().reduce((acc, r) => mergeLww(acc, r), registers[registers.length - 1]!);
        expect(forward.stamp).toEqual(backward.stamp);
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});
