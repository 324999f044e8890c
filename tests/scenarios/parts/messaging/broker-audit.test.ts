import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import type { Witness, World } from '../../../../scenarios/framework/scenario.ts';
import { BrokerAudit } from '../../../../scenarios/parts/messaging/broker-audit.ts';
import { DurableQueue } from '../../../../scenarios/parts/messaging/durable-queue.ts';

const policy = { prefetch: 1, maxDeliveries: 3 };

const invariants = { confirmed: 'confirmed-durable', redelivered: 'redelivered' };
const specs = [{ name: 'work', prefetch: 1, visibilityTimeoutMs: 50 }];

/** What an auditor asks of its world: the time, a way to be called back later, and where to report. */
function observer() {
  const verdicts: { invariant: string; message: string; witnesses: readonly Witness[] }[] = [];
  const later: { at: number; fn: () => void }[] = [];
  const world = {
    now: 5,
    at(at: number, fn: () => void) {
      later.push({ at, fn });
    },
    violate(invariant: string, message: string, detail?: { witnesses?: readonly Witness[] }) {
      verdicts.push({ invariant, message, witnesses: detail?.witnesses ?? [] });
    },
  };
  const runLater = (): void => {
    for (const { fn } of later.splice(0)) fn();
  };
  return { world: world as unknown as World<unknown>, verdicts, later, runLater };
}

describe('BrokerAudit', () => {
  it('finds a message confirmed before it was forced and lost in a broker crash', () => {
    const { world, verdicts } = observer();
    const audit = new BrokerAudit(world, invariants, 'broker', specs);
    const disk = new DurableStore();
    const queue = new DurableQueue<string>(disk, 'work', policy);
    const m = queue.enqueue('e1', 'body', 0);
    audit.confirmed('work', m.tag, m.id);

    disk.crash();
    audit.recovered(new Map([['work', new DurableQueue<string>(disk, 'work', policy)]]));

    expect(verdicts.map((v) => v.invariant)).toEqual(['confirmed-durable']);
    expect(verdicts[0]!.message).toMatch(/broker restarted without a message it had confirmed on work \(e1\)/);
    expect(verdicts[0]!.witnesses[0]).toMatchObject({ t: 5, key: 'e1' });
  });

  it('accepts a message forced before its confirm', () => {
    const { world, verdicts } = observer();
    const audit = new BrokerAudit(world, invariants, 'broker', specs);
    const disk = new DurableStore();
    const queue = new DurableQueue<string>(disk, 'work', policy);
    const m = queue.enqueue('e1', 'body', 0);
    disk.force();
    audit.confirmed('work', m.tag, m.id);

    disk.crash();
    audit.recovered(new Map([['work', new DurableQueue<string>(disk, 'work', policy)]]));

    expect(verdicts).toEqual([]);
  });

  it('finds an unacknowledged message a restarted broker has not delivered again within the visibility timeout', () => {
    const { world, verdicts, later, runLater } = observer();
    const audit = new BrokerAudit(world, invariants, 'broker', specs);
    const disk = new DurableStore();
    new DurableQueue<string>(disk, 'work', policy).enqueue('e1', 'body', 0);
    disk.force();

    audit.recovered(new Map([['work', new DurableQueue<string>(disk, 'work', policy)]]));
    runLater();

    expect(later).toEqual([]);
    expect(verdicts.map((v) => v.invariant)).toEqual(['redelivered']);
    expect(verdicts[0]!.message).toBe('broker restarted holding e1 unacknowledged on work and had not delivered it again 50 ms later (the visibility timeout)');
  });

  it('accepts a restart that delivers the unacknowledged message again at once', () => {
    const { world, verdicts, runLater } = observer();
    const audit = new BrokerAudit(world, invariants, 'broker', specs);
    const watch = audit.observer();
    const disk = new DurableStore();
    new DurableQueue<string>(disk, 'work', policy).enqueue('e1', 'body', 0);
    disk.force();
    const restarted = new DurableQueue<string>(disk, 'work', policy);

    watch.onRecovered!(new Map([['work', restarted]]));
    const m = restarted.take()!;
    watch.onDelivered!('work', m.id, true, m.tag);
    runLater();

    expect(verdicts).toEqual([]);
  });
});
