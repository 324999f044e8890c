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

/** A queue that is obviously right: a list scanned for the least (time, push order) at every pop. */
class ReferenceQueue {
  private readonly events: { time: number; seq: number; slot: number }[] = [];
  private seq = 0;
  get size(): number {
    return this.events.length;
  }
  push(time: number, slot: number): void {
    this.events.push({ time, seq: this.seq++, slot });
  }
  pop(): [number, number] {
    let best = 0;
    for (let i = 1; i < this.events.length; i++) {
      const e = this.events[i]!;
      const b = this.events[best]!;
      if (e.time < b.time || (e.time === b.time && e.seq < b.seq)) best = i;
    }
    const e = this.events[best]!;
    this.events[best] = this.events[this.events.length - 1]!;
    this.events.pop();
    return [e.time, e.slot];
  }
  retime(retime: (slot: number, time: number) => number): void {
    for (const e of this.events) e.time = retime(e.slot, e.time);
  }
}

describe('EventQueue as a calendar (hundreds of pending events and more)', () => {
  /** A fixed 32-bit generator, so that each case is the same every time. */
  const generator = (seed: number): (() => number) => {
    let s = seed;
    return () => {
      s = (s + 0x6d2b79f5) | 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };

  /**
   * Keeps about `pending` events queued for `pops` pops, each pop followed by about one push at
   * `delay(now)` later, with an occasional retime; returns whether the calendar queue popped
   * exactly what the reference did, and how many pops it made while laid out as a calendar.
   */
  const compare = (pending: number, pops: number, delay: (random: () => number) => number, seed: number): { same: boolean; calendarPops: number } => {
    const random = generator(seed);
    const queue = new EventQueue(4);
    const reference = new ReferenceQueue();
    const free: number[] = [];
    let slots = 0;
    let now = 0;
    const push = (): void => {
      const time = now + delay(random);
      const slot = free.length > 0 ? free.pop()! : slots++;
      queue.push(time, slot);
      reference.push(time, slot);
    };
    for (let i = 0; i < pending; i++) push();
    let calendarPops = 0;
    for (let i = 0; i < pops; i++) {
      if (i % 5_000 === 4_999) {
        const stretch = (slot: number, time: number): number => (slot % 3 === 0 && time > now ? now + (time - now) * 1.5 : time);
        queue.retime(stretch);
        reference.retime(stretch);
      }
      if ((queue as unknown as { width: number }).width > 0) calendarPops++;
      const time = queue.peekTime();
      const slot = queue.pop();
      const [refTime, refSlot] = reference.pop();
      if (time !== refTime || slot !== refSlot) return { same: false, calendarPops };
      now = time;
      free.push(slot);
      const r = random();
      const pushes = r < 0.05 ? 0 : r < 0.95 ? 1 : 2;
      for (let k = 0; k < pushes; k++) push();
      if (reference.size === 0) push();
    }
    while (reference.size > 0) {
      const time = queue.peekTime();
      const slot = queue.pop();
      const [refTime, refSlot] = reference.pop();
      if (time !== refTime || slot !== refSlot) return { same: false, calendarPops };
    }
    return { same: queue.size === 0 && queue.peekTime() === Number.POSITIVE_INFINITY, calendarPops };
  };

  const delays: [string, (random: () => number) => number][] = [
    ['exponential delays', (random) => 1 - 5 * Math.log(1 - random())],
    ['whole-millisecond delays (many ties)', (random) => Math.floor(random() * 4)],
    ['short messages and far timers', (random) => (random() < 0.1 ? 1_000 + random() : random() * 0.1)],
    ['heavy-tailed delays', (random) => (1 - random()) ** -1.2],
    ['a few timers far beyond a long idle stretch', (random) => (random() < 0.995 ? 1 - 5 * Math.log(1 - random()) : 1e13 * (1 + random()))],
    ['no delay at all', () => 0],
  ];

  for (const [name, delay] of delays) {
    it(`pops what a plain sorted queue pops: ${name}`, () => {
      const result = compare(1_500, 40_000, delay, name.length);

      expect(result.same).toBe(true);
    });
  }

  it('orders what comes after a retime of an empty queue, once a calendar', () => {
    const queue = new EventQueue(4);
    let now = 0;
    for (let slot = 0; slot < 2_000; slot++) queue.push(slot * 0.01, slot);
    for (let i = 0; i < 3_000; i++) {
      now = queue.peekTime();
      const slot = queue.pop();
      if (i < 1_000) queue.push(now + 20 + (slot % 7) * 0.01, slot);
    }
    expect(queue.size).toBe(0);
    queue.retime((_slot, time) => time);
    const times = Array.from({ length: 1_000 }, (_, i) => now + ((i * 7919) % 1_000) * 0.001);
    times.forEach((time, slot) => {
      queue.push(time, slot);
    });

    const popped: number[] = [];
    while (queue.size > 0) popped.push(queue.peekTime(), queue.pop());

    const expected = times.map((time, slot) => [time, slot] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(popped).toEqual(expected.flat());
  });

  it('lays itself out as a calendar once enough events are pending', () => {
    const result = compare(2_000, 20_000, (random) => 1 - 5 * Math.log(1 - random()), 7);

    expect(result.calendarPops).toBeGreaterThan(10_000);
  });
});
