import { describe, expect, it } from 'vitest';
import { StalenessAuditor } from '../../../../scenarios/parts/cache/staleness-auditor.ts';

describe('StalenessAuditor', () => {
  it('versions writes of a key in the order the store applied them', () => {
    const a = new StalenessAuditor();

    a.ordered('k', 7);
    a.ordered('k', 3);
    a.ordered('k', 7);

    expect([a.versionOfWrite(7), a.versionOfWrite(3), a.versionOfWrite(0)]).toEqual([1, 2, 0]);
  });

  it('finds no staleness in a read that returns the newest acknowledged write', () => {
    const a = new StalenessAuditor();
    a.ordered('k', 1);
    a.acknowledged(1, 10);

    expect(a.read('k', 1, 20)).toBeNull();
  });

  it('does not count a write acknowledged after the read began', () => {
    const a = new StalenessAuditor();
    a.ordered('k', 1);
    a.acknowledged(1, 25);

    expect(a.read('k', undefined, 20)).toBeNull();
  });

  it('measures staleness from the acknowledgement of the first newer write', () => {
    const a = new StalenessAuditor();
    a.ordered('k', 1);
    a.ordered('k', 2);
    a.acknowledged(1, 10);
    a.acknowledged(2, 30);

    const stale = a.read('k', undefined, 100);

    expect(stale).toEqual({ key: 'k', versionRead: 0, versionAcknowledged: 2, stalenessMs: 90 });
    expect(a.staleReads).toBe(1);
  });

  it('reports acknowledged writes that never reached the database', () => {
    const a = new StalenessAuditor();
    a.ordered('k', 1);
    a.ordered('k', 2);
    a.acknowledged(1, 10);
    a.acknowledged(2, 20);
    a.persisted(1);

    expect(a.lostWrites()).toEqual([2]);
  });
});
