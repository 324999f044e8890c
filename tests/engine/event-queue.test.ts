import { describe, expect, it } from 'vitest';
import { AssertionError, EventQueue } from '../../engine/index.ts';

/** Pops every event, returning [time, slot] pairs in pop order. */
function drain(queue: EventQueue): [number, number][] {
  const out: [number, number][] = [];
  while (queue.size > 0) {
    const t = queue.peekTime();
    out.push([t, queue.pop()]);
  }
  return out;
}

describe('EventQueue', () => {
  it('pops events in order of time', () => {
    const queue = new EventQueue();
    queue.push(30, 0);
    queue.push(10, 1);
    queue.push(20, 2);

    const order = drain(queue);

    expect(order).toEqual([
      [10, 1],
      [20, 2],
      [30, 0],
    ]);
  });

  it('pops events at the same time in the order they were pushed', () => {
    const queue = new EventQueue();
    const slots = [7, 3, 9, 1, 5, 0, 8];
    for (const slot of slots) queue.push(5, slot);

    const order = drain(queue).map(([, slot]) => slot);

    expect(order).toEqual(slots);
  });

  it('orders by time first and by push order among ties', () => {
    const queue = new EventQueue();
    queue.push(2, 0);
    queue.push(1, 1);
    queue.push(2, 2);
    queue.push(1, 3);
    queue.push(0, 4);

    const order = drain(queue).map(([, slot]) => slot);

    expect(order).toEqual([4, 1, 3, 0, 2]);
  });

  it('numbers pushes with increasing sequence numbers', () => {
    const queue = new EventQueue();

    const seqs = [queue.push(3, 0), queue.push(1, 1), queue.push(2, 2)];

    expect(seqs).toEqual([0, 1, 2]);
  });

  it('grows past its initial capacity without losing or misordering events', () => {
    const queue = new EventQueue(2);
    const pushed: [number, number][] = [];
    for (let slot = 0; slot < 1_000; slot++) {
      const time = (slot * 7919) % 101;
      queue.push(time, slot);
      pushed.push([time, slot]);
    }

    const order = drain(queue);

    const expected = pushed.slice().sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(order).toEqual(expected);
  });

  it('reports its size as events are pushed and popped', () => {
    const queue = new EventQueue();
    queue.push(1, 0);
    queue.push(2, 1);

    queue.pop();

    expect(queue.size).toBe(1);
  });

  it('reports Infinity as the time of the earliest event when empty', () => {
    const queue = new EventQueue();

    const time = queue.peekTime();

    expect(time).toBe(Number.POSITIVE_INFINITY);
  });

  it('reports Infinity again once every event has been popped', () => {
    const queue = new EventQueue();
    queue.push(4, 0);
    queue.pop();

    const time = queue.peekTime();

    expect(time).toBe(Number.POSITIVE_INFINITY);
  });

  it('peeks the slot of the earliest event without removing it', () => {
    const queue = new EventQueue();
    queue.push(9, 3);
    queue.push(4, 8);

    const slot = queue.peekSlot();

    expect(slot).toBe(8);
    expect(queue.size).toBe(2);
  });

  it('refuses to pop from an empty queue', () => {
    const queue = new EventQueue();

    expect(() => queue.pop()).toThrow(AssertionError);
  });

  it('refuses a capacity below one', () => {
    expect(() => new EventQueue(0)).toThrow(/capacity is at least 1/);
  });
});
