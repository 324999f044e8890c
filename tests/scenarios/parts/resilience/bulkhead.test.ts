import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../../../scenarios/parts/resilience/bulkhead.ts';

describe('Bulkhead', () => {
  it('lends at most its size of connections, and refuses the rest at once', () => {
    const pool = new Bulkhead(2);

    const taken = [pool.tryAcquire(), pool.tryAcquire(), pool.tryAcquire()];

    expect(taken).toEqual([true, true, false]);
    expect(pool.refused).toBe(1);
    expect(pool.busy).toBe(2);
  });

  it('hands a released connection to the longest waiter before anyone who only tries', () => {
    const pool = new Bulkhead(1);
    const served: string[] = [];
    pool.tryAcquire();
    pool.whenFree(() => served.push('first'));
    pool.whenFree(() => served.push('second'));

    expect(pool.tryAcquire()).toBe(false);
    pool.release();
    pool.release();

    expect(served).toEqual(['first', 'second']);
    expect(pool.busy).toBe(1);
  });

  it('refuses to release a connection it never lent', () => {
    expect(() => new Bulkhead(1).release()).toThrow(/lent/);
  });
});
