import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { applyEffect, IdempotencyStore, type LocalEffect } from '../../../../scenarios/parts/storage/idempotency-store.ts';
import { TransactionalStore } from '../../../../scenarios/parts/storage/transactional-store.ts';

const charge = (db: TransactionalStore, amount: number): LocalEffect<string> => ({
  writes: [{ key: 'balance', value: (db.read('balance') ?? 0) - amount }],
  response: `charged ${amount}`,
});

describe('IdempotencyStore', () => {
  it('runs an effect the first time a key is seen', () => {
    const db = new TransactionalStore(new DurableStore());
    const keys = new IdempotencyStore<string>(db);

    const outcome = keys.once('o1:charge', () => charge(db, 30));

    expect(outcome).toMatchObject({ response: 'charged 30', replayed: false });
    expect(db.statusOf(outcome!.tx!)).toBe('committed');
    expect(db.read('balance')).toBe(-30);
  });

  it('answers a repeated key with the recorded response and changes nothing', () => {
    const db = new TransactionalStore(new DurableStore());
    const keys = new IdempotencyStore<string>(db);
    keys.once('o1:charge', () => charge(db, 30));
    let ranAgain = false;

    const outcome = keys.once('o1:charge', () => {
      ranAgain = true;
      return charge(db, 30);
    });

    expect(outcome).toEqual({ response: 'charged 30', replayed: true });
    expect(ranAgain).toBe(false);
    expect(db.read('balance')).toBe(-30);
  });

  it('remembers keys after a crash, because they are on the same disk as the effect', () => {
    const disk = new DurableStore();
    const db = new TransactionalStore(disk);
    new IdempotencyStore<string>(db).once('o1:charge', () => charge(db, 30));

    const recovered = new IdempotencyStore<string>(new TransactionalStore(disk));

    expect(recovered.recall('o1:charge')).toBe('charged 30');
    expect(recovered.size).toBe(1);
  });

  it('commits the effect’s table appends in the same transaction as the key', () => {
    const db = new TransactionalStore(new DurableStore());
    const keys = new IdempotencyStore<boolean>(db, 'processed');

    keys.once('e1', () => ({ writes: [], appends: [{ table: 'outbox', record: 'next' }], response: true }));
    keys.once('e1', () => ({ writes: [], appends: [{ table: 'outbox', record: 'next' }], response: true }));

    expect(db.table('outbox')).toEqual(['next']);
    expect(db.table('processed')).toHaveLength(1);
  });

  it('records nothing when the effect’s row is locked, so a retry can still run it', () => {
    const db = new TransactionalStore(new DurableStore());
    const keys = new IdempotencyStore<string>(db);
    db.lockAll('other', ['balance']);

    expect(keys.once('o1:charge', () => charge(db, 30))).toBeNull();
    expect(keys.has('o1:charge')).toBe(false);
  });

  it('applies an unkeyed effect again every time', () => {
    const db = new TransactionalStore(new DurableStore());

    applyEffect(db, charge(db, 30));
    applyEffect(db, charge(db, 30));

    expect(db.read('balance')).toBe(-60);
  });
});
