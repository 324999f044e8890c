import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { TransactionalStore } from '../../../../scenarios/parts/storage/transactional-store.ts';

describe('TransactionalStore tables', () => {
  it('makes a local transaction’s table records visible together with its rows', () => {
    const db = new TransactionalStore(new DurableStore());

    const ok = db.commitLocalWith('t1', [{ key: 'points', value: 5 }], [{ table: 'outbox', record: { id: 'e1' } }]);

    expect(ok).toBe(true);
    expect(db.read('points')).toBe(5);
    expect(db.table('outbox')).toEqual([{ id: 'e1' }]);
  });

  it('appends nothing when a row the transaction writes is locked', () => {
    const db = new TransactionalStore(new DurableStore());
    db.lockAll('other', ['points']);

    const ok = db.commitLocalWith('t1', [{ key: 'points', value: 5 }], [{ table: 'outbox', record: { id: 'e1' } }]);

    expect(ok).toBe(false);
    expect(db.read('points')).toBeUndefined();
    expect(db.table('outbox')).toEqual([]);
  });

  it('discards the records of a prepared transaction that aborts', () => {
    const db = new TransactionalStore(new DurableStore());
    db.lockAll('t1', ['points']);
    db.prepare('t1', [{ key: 'points', value: 5 }], [{ table: 'outbox', record: { id: 'e1' } }]);

    db.abort('t1');

    expect(db.table('outbox')).toEqual([]);
  });

  it('applies the records of a transaction prepared before a crash when it commits after recovery', () => {
    const disk = new DurableStore();
    const before = new TransactionalStore(disk);
    before.lockAll('t1', ['points']);
    before.prepare('t1', [{ key: 'points', value: 5 }], [{ table: 'outbox', record: { id: 'e1' } }]);

    const after = new TransactionalStore(disk);
    after.commit('t1');

    expect(after.table('outbox')).toEqual([{ id: 'e1' }]);
  });

  it('keeps committed table records across a crash', () => {
    const disk = new DurableStore();
    new TransactionalStore(disk).commitLocalWith('t1', [], [{ table: 'history', record: 1 }]);

    expect(new TransactionalStore(disk).table('history')).toEqual([1]);
  });

  it('never hands out the same transaction id twice, even across a crash', () => {
    const disk = new DurableStore();
    const first = [new TransactionalStore(disk).nextTxId(), new TransactionalStore(disk).nextTxId('keyed')];

    expect(first).toEqual(['local-1', 'keyed-2']);
    expect(new TransactionalStore(disk).nextTxId()).toBe('local-3');
  });

  it('leaves the disk untouched for a store that never appends', () => {
    const disk = new DurableStore();
    const db = new TransactionalStore(disk);
    const keysBefore = disk.keys();

    db.commitLocal('t1', [{ key: 'a', value: 1 }]);

    expect(disk.keys()).toEqual(keysBefore);
  });
});
