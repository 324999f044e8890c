import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { DurableQueue } from '../../../../scenarios/parts/messaging/durable-queue.ts';

const ordered = { prefetch: 1, maxDeliveries: 3 };

function queueWith(ids: string[], policy = ordered, disk = new DurableStore()): DurableQueue<string> {
  const q = new DurableQueue<string>(disk, 'q', policy);
  for (const id of ids) q.enqueue(id, `body of ${id}`, 0);
  return q;
}

describe('DurableQueue', () => {
  it('delivers in order, one at a time with a prefetch of 1', () => {
    const q = queueWith(['a', 'b']);

    const first = q.take();
    const blocked = q.take();
    q.ack(first!.tag);
    const second = q.take();

    expect(first?.id).toBe('a');
    expect(blocked).toBeNull();
    expect(second?.id).toBe('b');
  });

  it('lets up to `prefetch` messages out at once', () => {
    const q = queueWith(['a', 'b', 'c'], { prefetch: 2, maxDeliveries: 3 });

    const out = [q.take()?.id, q.take()?.id, q.take()?.id];

    expect(out).toEqual(['a', 'b', undefined]);
  });

  it('holds back everything behind a failed message while it waits to be retried', () => {
    const q = queueWith(['poison', 'b']);
    const m = q.take()!;

    q.nack(m.tag);

    expect(q.take()).toBeNull();
    q.release(m.tag);
    expect(q.take()?.id).toBe('poison');
  });

  it('parks a message in the dead-letter queue after maxDeliveries failures and moves on', () => {
    const q = queueWith(['poison', 'b']);
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const m = q.take()!;
      outcomes.push(q.nack(m.tag).kind);
      q.release(m.tag);
    }

    expect(outcomes).toEqual(['retry', 'retry', 'parked']);
    expect(q.parked.map((m) => m.id)).toEqual(['poison']);
    expect(q.take()?.id).toBe('b');
  });

  it('never parks a message when maxDeliveries is infinite', () => {
    const q = queueWith(['poison'], { prefetch: 1, maxDeliveries: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 100; i++) {
      const m = q.take()!;
      q.nack(m.tag);
      q.release(m.tag);
    }

    expect(q.parked).toHaveLength(0);
    expect(q.depth).toBe(1);
  });

  it('makes an unanswered delivery deliverable again when its visibility timeout expires', () => {
    const q = queueWith(['a']);
    const m = q.take()!;

    expect(q.expire(m.tag, 1)).toBe(true);
    expect(q.take()?.id).toBe('a');
    expect(q.deliveriesOf(m.tag)).toBe(2);
  });

  it('ignores the timeout of an earlier delivery of the same message', () => {
    const q = queueWith(['a']);
    const m = q.take()!;
    q.expire(m.tag, 1);
    q.take();

    expect(q.expire(m.tag, 1)).toBe(false);
  });

  it('does not count an expired delivery as a failure', () => {
    const q = queueWith(['a']);
    for (let i = 1; i <= 5; i++) q.expire(q.take()!.tag, i);

    expect(q.parked).toHaveLength(0);
    expect(q.all[0]!.failures).toBe(0);
  });

  it('keeps messages and their failure counts across a broker restart, and delivers the unfinished again', () => {
    const disk = new DurableStore();
    const before = queueWith(['a', 'b'], ordered, disk);
    before.ack(before.take()!.tag);
    before.nack(before.take()!.tag);

    const after = new DurableQueue<string>(disk, 'q', ordered);
    const again = after.take();

    expect(again?.id).toBe('b');
    expect(again?.failures).toBe(1);
    expect(after.depth).toBe(1);
  });

  it('ignores the failure report of an earlier delivery of the same message', () => {
    const q = queueWith(['a']);
    const m = q.take()!;
    q.expire(m.tag, 1);
    q.take();

    expect(q.nack(m.tag, 1)).toEqual({ kind: 'unknown' });
    expect(q.at(m.tag)!.failures).toBe(0);
  });

  it('loses an acknowledgement the broker never forced: the message comes again after a crash', () => {
    const disk = new DurableStore();
    const before = queueWith(['a'], ordered, disk);
    disk.force();
    before.ack(before.take()!.tag);

    disk.crash();
    const after = new DurableQueue<string>(disk, 'q', ordered);

    expect(after.take()?.id).toBe('a');
  });

  it('loses an enqueued message the broker never forced', () => {
    const disk = new DurableStore();
    const q = queueWith(['a'], ordered, disk);
    disk.force();
    q.enqueue('b', 'body of b', 1);

    disk.crash();
    const after = new DurableQueue<string>(disk, 'q', ordered);

    expect(after.all.map((m) => m.id)).toEqual(['a']);
    expect(after.depth).toBe(1);
  });

  it('tracks the backlog as messages are acknowledged and parked', () => {
    const q = queueWith(['a', 'b', 'c'], { prefetch: 3, maxDeliveries: 1 });
    q.ack(q.take()!.tag);
    q.nack(q.take()!.tag);

    expect(q.depth).toBe(1);
    expect(q.oldest?.id).toBe('c');
  });
});
