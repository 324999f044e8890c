import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import type { Witness, World } from '../../../../scenarios/framework/scenario.ts';
import { IdempotencyAudit } from '../../../../scenarios/parts/storage/idempotency-audit.ts';
import { IdempotencyStore } from '../../../../scenarios/parts/storage/idempotency-store.ts';
import { TransactionalStore } from '../../../../scenarios/parts/storage/transactional-store.ts';

interface Verdict {
  invariant: string;
  message: string;
  witnesses: readonly Witness[];
}

/** The two things an auditor asks of its world: the time, and where to report. */
function observer(): { world: World<unknown>; verdicts: Verdict[]; at: (t: number) => void } {
  const verdicts: Verdict[] = [];
  let now = 0;
  const world = {
    get now() {
      return now;
    },
    violate(invariant: string, message: string, detail?: { witnesses?: readonly Witness[] }) {
      verdicts.push({ invariant, message, witnesses: detail?.witnesses ?? [] });
    },
  } as unknown as World<unknown>;
  return { world, verdicts, at: (t) => void (now = t) };
}

const charge = (db: TransactionalStore) => ({ writes: [{ key: 'balance', value: (db.read('balance') ?? 100) - 30 }], response: 'charged' });

describe('IdempotencyAudit', () => {
  it('finds a key answered before its transaction was forced and lost in the crash, pointing at the answer', () => {
    const { world, verdicts, at } = observer();
    const audit = new IdempotencyAudit(world, 'keys-durable');
    const disk = new DurableStore();
    const keys = new IdempotencyStore<string>(new TransactionalStore(disk, 'payment'));
    at(12);
    keys.once('o1:charge', () => charge(new TransactionalStore(disk, 'payment')));
    audit.answered('payment', keys.tableName, 'o1:charge');

    disk.crash();
    const recovered = new IdempotencyStore<string>(new TransactionalStore(disk, 'payment'));
    at(40);
    audit.recovered('payment', (_table, key) => recovered.has(key));

    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.invariant).toBe('keys-durable');
    expect(verdicts[0]!.message).toMatch(/payment restarted without the record of a request it had already answered \(o1:charge\)/);
    expect(verdicts[0]!.witnesses).toEqual([
      { t: 12, node: 'payment', key: 'o1:charge', what: 'payment answered o1:charge here; a crash later lost its record' },
    ]);
  });

  it('accepts a key that was forced before it was answered', () => {
    const { world, verdicts } = observer();
    const audit = new IdempotencyAudit(world, 'keys-durable');
    const disk = new DurableStore();
    const db = new TransactionalStore(disk, 'payment');
    const keys = new IdempotencyStore<string>(db);
    keys.once('o1:charge', () => charge(db));
    disk.force();
    audit.answered('payment', keys.tableName, 'o1:charge');

    disk.crash();
    const recovered = new IdempotencyStore<string>(new TransactionalStore(disk, 'payment'));
    audit.recovered('payment', (_table, key) => recovered.has(key));

    expect(verdicts).toEqual([]);
  });

  it('reports a lost key once, not again at every later restart', () => {
    const { world, verdicts } = observer();
    const audit = new IdempotencyAudit(world, 'keys-durable');
    audit.answered('payment', 'idempotency-keys', 'o1:charge');

    audit.recovered('payment', () => false);
    audit.recovered('payment', () => false);

    expect(verdicts).toHaveLength(1);
  });
});
