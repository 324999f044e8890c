import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { TransactionalStore } from '../../../../scenarios/parts/storage/transactional-store.ts';
import { UnforcedFacts } from '../../../../scenarios/parts/storage/unforced-facts.ts';

/** An auditor's books: facts counted, and those taken back. */
function books() {
  const retracted: string[] = [];
  const facts = new UnforcedFacts<string>((fact, node) => retracted.push(`${node}: ${fact}`));
  return { facts, retracted };
}

describe('UnforcedFacts', () => {
  it('takes back a fact whose transaction a crash undid before the force', () => {
    const disk = new DurableStore();
    const db = new TransactionalStore(disk);
    const { facts, retracted } = books();
    db.commitLocal('t1', [{ key: 'balance', value: 70 }]);
    facts.committed('payment', 't1', 'charged o1');

    disk.crash();
    const recovered = new TransactionalStore(disk);
    facts.recovered('payment', (tx) => recovered.statusOf(tx) === 'committed');

    expect(retracted).toEqual(['payment: charged o1']);
  });

  it('keeps a fact whose transaction was forced, even when the crash struck right after the force', () => {
    const disk = new DurableStore();
    const db = new TransactionalStore(disk);
    const { facts, retracted } = books();
    db.commitLocal('t1', [{ key: 'balance', value: 70 }]);
    facts.committed('payment', 't1', 'charged o1');
    disk.force();

    disk.crash();
    const recovered = new TransactionalStore(disk);
    facts.recovered('payment', (tx) => recovered.statusOf(tx) === 'committed');

    expect(retracted).toEqual([]);
  });

  it('keeps a fact whose log record a torn write-back kept', () => {
    const disk = new DurableStore();
    const db = new TransactionalStore(disk);
    const { facts, retracted } = books();
    db.commitLocal('t1', [{ key: 'balance', value: 70 }]);
    facts.committed('payment', 't1', 'charged o1');

    disk.crash(1); // the log record is the first write of the transaction
    const recovered = new TransactionalStore(disk);
    facts.recovered('payment', (tx) => recovered.statusOf(tx) === 'committed');

    expect(retracted).toEqual([]);
    expect(recovered.read('balance')).toBe(70);
  });

  it('forgets the provisional facts once the node reports its force: a later restart takes nothing back', () => {
    const { facts, retracted } = books();
    facts.committed('payment', 't1', 'charged o1');
    facts.forced('payment');

    facts.recovered('payment', () => false);

    expect(retracted).toEqual([]);
  });

  it('judges each node by its own force', () => {
    const { facts, retracted } = books();
    facts.committed('payment', 't1', 'charged o1');
    facts.committed('inventory', 't1', 'reserved o1');
    facts.forced('inventory');

    facts.recovered('payment', () => false);
    facts.recovered('inventory', () => false);

    expect(retracted).toEqual(['payment: charged o1']);
  });
});
