/**
 * EventQueue: a binary min-heap of pending events ordered by (time, seq).
 *
 * `seq` is assigned when an event is scheduled, so events at the same time run first-in
 * first-out and the order never depends on heap internals. The heap holds only the ordering
 * key and a slot number (an index into the simulation's event records) in parallel typed
 * arrays: no object per event, no comparator closure, and sifting moves three numbers.
 */
import { assert } from './assert.ts';

export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private slots: Int32Array;
  private count = 0;
  private nextSeq = 0;

  constructor(capacity = 1024) {
    assert(capacity >= 1, 'capacity is at least 1');
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The time of the earliest pending event; Infinity when the queue is empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  /** The slot of the earliest pending event (undefined behaviour on an empty queue). */
  peekSlot(): number {
    return this.slots[0]!;
  }

  /** Schedules `slot` at `time`; returns the event's sequence number. */
  push(time: number, slot: number): number {
    if (this.count === this.times.length) this.grow();
    const seq = this.nextSeq++;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      slots[i] = slots[parent]!;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    slots[i] = slot;
    return seq;
  }

  /** Removes the earliest event and returns its slot. The caller reads peekTime() first. */
  pop(): number {
    assert(this.count > 0, 'pop from a non-empty queue');
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const top = slots[0]!;
    const last = --this.count;
    if (last === 0) return top;
    const t = times[last]!;
    const s = seqs[last]!;
    const k = slots[last]!;
    const half = last >> 1;
    let i = 0;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = times[c]!;
      let cs = seqs[c]!;
      const r = c + 1;
      if (r < last) {
        const rt = times[r]!;
        if (rt < ct || (rt === ct && seqs[r]! < cs)) {
          c = r;
          ct = rt;
          cs = seqs[r]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      slots[i] = slots[c]!;
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    slots[i] = k;
    return top;
  }

  /**
   * Moves some pending events to new times: `retime(slot, time)` returns each event's new time
   * (or its old one to leave it). Then restores the heap order, ties still broken by seq.
   * O(n): for rare changes (a node's timers stretched or shrunk when its speed changes).
   */
  retime(retime: (slot: number, time: number) => number): void {
    const times = this.times;
    for (let i = 0; i < this.count; i++) times[i] = retime(this.slots[i]!, times[i]!);
    for (let i = (this.count >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const n = this.count;
    const t = times[start]!;
    const s = seqs[start]!;
    const k = slots[start]!;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (times[r]! < times[c]! || (times[r] === times[c] && seqs[r]! < seqs[c]!))) c = r;
      if (t < times[c]! || (t === times[c] && s < seqs[c]!)) break;
      times[i] = times[c]!;
      seqs[i] = seqs[c]!;
      slots[i] = slots[c]!;
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    slots[i] = k;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(capacity);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const slots = new Int32Array(capacity);
    slots.set(this.slots);
    this.slots = slots;
  }
}
