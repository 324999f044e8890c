import { describe, expect, it } from 'vitest';
import { StalenessAuditor, WriteOrder } from '../../../../scenarios/parts/cache/staleness-auditor.ts';

/** An auditor over writes whose versions are given (write id -> version in the store that orders them). */
const auditor = (versions: Record<number, number>) => new StalenessAuditor((w) => versions[w]);

describe('StalenessAuditor', () => {
  it('finds no staleness in a read that returns the newest acknowledged write', () => {
    const a = auditor({ 1: 1 });
    a.acknowledged('k', 1, 10);

    expect(a.read('k', 1, 20)).toBeNull();
  });

  it('does not count a write acknowledged after the read began', () => {
    const a = auditor({ 1: 1 });
    a.acknowledged('k', 1, 25);

    expect(a.read('k', undefined, 20)).toBeNull();
  });

  it('counts a write acknowledged at the very moment the read began (a read-back follows its write)', () => {
    const a = auditor({ 1: 1 });
    a.acknowledged('k', 1, 20);

    expect(a.read('k', undefined, 20)?.stalenessMs).toBe(0);
  });

  it('measures staleness from the acknowledgement of the first newer write, and names it', () => {
    const a = auditor({ 1: 1, 2: 2 });
    a.acknowledged('k', 1, 10);
    a.acknowledged('k', 2, 30);

    const stale = a.read('k', undefined, 100);

    expect(stale).toEqual({ key: 'k', versionRead: 0, versionAcknowledged: 2, stalenessMs: 90, missedWrite: 1, missedAckMs: 10 });
    expect(a.staleReads).toBe(1);
  });

  it('judges by the order the store applied the writes, not the order they were acknowledged', () => {
    const a = auditor({ 7: 2, 3: 1 });
    a.acknowledged('k', 7, 10);
    a.acknowledged('k', 3, 20);

    expect(a.read('k', 7, 30)).toBeNull();
    expect(a.read('k', 3, 30)?.versionAcknowledged).toBe(2);
  });

  it('keeps the acknowledged writes, the ones that took effect nowhere included, for the lost-write check', () => {
    const a = auditor({ 1: 1 });
    a.acknowledged('k', 1, 10);
    a.acknowledged('k', 2, 20);

    expect(a.acknowledgedWrites).toEqual([1, 2]);
    expect(a.read('k', 1, 30)).toBeNull();
  });
});

describe('WriteOrder', () => {
  it('versions the writes of each key in the order they took effect, ignoring repeats', () => {
    const order = new WriteOrder();

    order.took('k', 7);
    order.took('k', 3);
    order.took('k', 7);
    order.took('j', 4);

    expect([order.versionOf(7), order.versionOf(3), order.versionOf(4), order.versionOf(9)]).toEqual([1, 2, 1, undefined]);
  });
});
