/**
 * EventQueue: the pending events, ordered by (time, seq).
 *
 * `seq` is assigned when an event is scheduled, so events at the same time run first-in
 * first-out and the order never depends on the queue's internals. The queue holds only the
 * ordering key and a slot number (an index into the simulation's event records) in typed
 * arrays: no object per event and no comparator closure.
 *
 * A small queue is one binary min-heap. A larger one (64 events and more) is a
 * calendar: time is cut into buckets of equal width, the heap holds only the earliest bucket's
 * events, and a later event is dropped into its bucket's unsorted list in O(1), to be heaped
 * when its bucket comes up. A heap pays a sift through log2(n) levels of a scattered array per
 * event: a heap of 10,000 events cost about a third more per event than one of 1,000, which a
 * run's cost per event must not depend on. Bucket widths follow the run's own pace (a few
 * events per bucket), re-tuned as it changes; events beyond the calendar's last bucket wait in
 * a second heap.
 *
 * The order is exactly the heap's: a bucket's index is floor((time - base) / width), which
 * never decreases as time grows (IEEE subtraction and multiplication round monotonically), so
 * every event of an earlier bucket is strictly earlier than every event of a later one, and
 * within the heap ties are broken by seq as before.
 */
import { assert } from './assert.ts';

/**
 * Below this many pending events the queue is one heap. Scenarios keep a few hundred pending
 * (a request each, its timeouts): at 512 their heap's sift-downs were about 9% of a
 * cache-strategies check; at 64 the calendar takes them (cache-strategies +6%, consumer-lag
 * +5%, the small scenarios unchanged, paired in-process).
 */
const CALENDAR_MIN = 64;
/** Events per bucket the width aims at. */
const PER_BUCKET = 4;
/** Pops between two reviews of the calendar's shape, at least (else one per pending event). */
const REVIEW_MIN = 1024;
/** A bucket index past this is re-based (far below 2^53, where indices stop being exact integers). */
const INDEX_MAX = 2 ** 40;
/** `rebuild`'s width when the pending events' own spread decides it. */
const FIT = -1;

/** A binary min-heap of (time, seq, slot) in parallel typed arrays. */
class TimeHeap {
  times: Float64Array;
  seqs: Float64Array;
  slots: Int32Array;
  count = 0;

  constructor(capacity: number) {
    // One buffer for the three columns: one allocation where three were.
    const buffer = new ArrayBuffer(capacity * 20);
    this.times = new Float64Array(buffer, 0, capacity);
    this.seqs = new Float64Array(buffer, capacity * 8, capacity);
    this.slots = new Int32Array(buffer, capacity * 16, capacity);
  }

  push(time: number, seq: number, slot: number): void {
    if (this.count === this.times.length) this.grow();
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
  }

  /** Adds an event without ordering it: call `heapify` before the next read. */
  append(time: number, seq: number, slot: number): void {
    if (this.count === this.times.length) this.grow();
    const i = this.count++;
    this.times[i] = time;
    this.seqs[i] = seq;
    this.slots[i] = slot;
  }

  /** Removes the earliest event (the caller read it first). */
  removeTop(): void {
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const last = --this.count;
    if (last === 0) return;
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
  }

  /** Restores the heap order after appends. O(n). */
  heapify(): void {
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
    const capacity = Math.max(16, this.times.length * 2);
    const buffer = new ArrayBuffer(capacity * 20);
    const times = new Float64Array(buffer, 0, capacity);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(buffer, capacity * 8, capacity);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const slots = new Int32Array(buffer, capacity * 16, capacity);
    slots.set(this.slots);
    this.slots = slots;
  }
}

export class EventQueue {
  /** Every event whose bucket index is at most `cur` (all of them while the queue is one heap). */
  private readonly near: TimeHeap;
  /** Events whose bucket index is `cur + ringSize` or more: beyond the calendar's last bucket. */
  private readonly far = new TimeHeap(0);
  private count = 0;
  private nextSeq = 0;

  // The calendar. Bucket index of time t: floor((t - base) * invWidth); invWidth 0 and cur
  // Infinity make every event near (one heap).
  private base = 0;
  private width = 0;
  private invWidth = 0;
  private cur = Number.POSITIVE_INFINITY;
  /** Buckets cur+1 .. cur+ringSize-1, each at (index & ringMask): the first slot of its list, -1 when empty. */
  private heads = new Int32Array(0);
  private ringSize = 0;
  private ringMask = 0;
  private inRing = 0;
  /** A bucketed event's time, seq and next slot in its bucket's list, by slot. */
  private bucketTime = new Float64Array(0);
  private bucketSeq = new Float64Array(0);
  private bucketNext = new Int32Array(0);

  // The pace of the run, measured between reviews: pops, and the time they covered.
  private pops = 0;
  private markPops = 0;
  private markTime = 0;
  private nextReview = REVIEW_MIN;

  constructor(capacity = 1024) {
    assert(capacity >= 1, 'capacity is at least 1');
    this.near = new TimeHeap(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The time of the earliest pending event; Infinity when the queue is empty. */
  peekTime(): number {
    if (this.near.count === 0 && !this.advance()) return Number.POSITIVE_INFINITY;
    return this.near.times[0]!;
  }

  /** The slot of the earliest pending event (undefined behaviour on an empty queue). */
  peekSlot(): number {
    if (this.near.count === 0) this.advance();
    return this.near.slots[0]!;
  }

  /** Schedules `slot` at `time`; returns the event's sequence number. */
  push(time: number, slot: number): number {
    const seq = this.nextSeq++;
    this.count++;
    this.place(time, seq, slot);
    return seq;
  }

  /** Removes the earliest event and returns its slot. The caller reads peekTime() first. */
  pop(): number {
    assert(this.count > 0, 'pop from a non-empty queue');
    const near = this.near;
    if (near.count === 0) this.advance();
    const slot = near.slots[0]!;
    const time = near.times[0]!;
    near.removeTop();
    this.count--;
    if (++this.pops >= this.nextReview) this.review(time);
    return slot;
  }

  /**
   * Moves some pending events to new times: `retime(slot, time)` returns each event's new time
   * (or its old one to leave it). Then restores the order, ties still broken by seq.
   * O(n): for rare changes (a node's timers stretched or shrunk when its speed changes).
   */
  retime(retime: (slot: number, time: number) => number): void {
    this.rebuild(this.width, retime);
  }

  private place(time: number, seq: number, slot: number): void {
    const index = Math.floor((time - this.base) * this.invWidth);
    if (index <= this.cur) this.near.push(time, seq, slot);
    else if (index < this.cur + this.ringSize) this.toBucket(index, time, seq, slot);
    else this.far.push(time, seq, slot);
  }

  private toBucket(index: number, time: number, seq: number, slot: number): void {
    if (slot >= this.bucketNext.length) this.growBuckets(slot);
    const b = index & this.ringMask;
    this.bucketTime[slot] = time;
    this.bucketSeq[slot] = seq;
    this.bucketNext[slot] = this.heads[b]!;
    this.heads[b] = slot;
    this.inRing++;
  }

  /** The near heap is empty: heaps the next non-empty bucket. False when nothing is pending. */
  private advance(): boolean {
    if (this.count === 0) return false;
    const near = this.near;
    const far = this.far;
    const heads = this.heads;
    const mask = this.ringMask;
    let c: number;
    if (this.inRing > 0) {
      c = this.cur + 1;
      while (heads[c & mask] === -1) c++;
      let slot = heads[c & mask]!;
      heads[c & mask] = -1;
      while (slot !== -1) {
        near.append(this.bucketTime[slot]!, this.bucketSeq[slot]!, slot);
        slot = this.bucketNext[slot]!;
        this.inRing--;
      }
    } else {
      c = Math.floor((far.times[0]! - this.base) * this.invWidth);
      if (c > INDEX_MAX) {
        // A long jump (an idle stretch before far timers): the run's pace before it says nothing
        // of the pace after, so the buckets are re-cut to fit what is pending, from its earliest event.
        this.rebuild(FIT, null);
        return true;
      }
    }
    this.cur = c;
    // The calendar's window moved on: the far events it now covers join it.
    const end = c + this.ringSize;
    while (far.count > 0) {
      const time = far.times[0]!;
      const index = Math.floor((time - this.base) * this.invWidth);
      if (index >= end) break;
      const seq = far.seqs[0]!;
      const slot = far.slots[0]!;
      far.removeTop();
      if (index <= c) near.append(time, seq, slot);
      else this.toBucket(index, time, seq, slot);
    }
    near.heapify();
    return true;
  }

  /** Every so many pops: does the calendar (or the heap) still fit the run's pace and size? */
  private review(time: number): void {
    const n = this.count;
    const pace = (time - this.markTime) / (this.pops - this.markPops);
    const width = n >= CALENDAR_MIN && pace > 0 && Number.isFinite(pace) ? PER_BUCKET * pace : 0;
    if (width === 0) {
      if (this.width !== 0) this.rebuild(0, null);
    } else if (this.width === 0 || width > 2 * this.width || 2 * width < this.width || n > 2 * this.ringSize || 4 * n < this.ringSize || this.cur > INDEX_MAX) {
      this.rebuild(width, null);
    }
    this.markPops = this.pops;
    this.markTime = time;
    this.nextReview = this.pops + Math.max(REVIEW_MIN, n);
  }

  /**
   * Lays every pending event out again: one heap (width 0) or a calendar of buckets `width` wide
   * (FIT: PER_BUCKET events' share of the pending events' spread), each event's time first
   * passed through `retime` if given.
   */
  private rebuild(width: number, retime: ((slot: number, time: number) => number) | null): void {
    const n = this.count;
    const times = new Float64Array(n);
    const seqs = new Float64Array(n);
    const slots = new Int32Array(n);
    let j = 0;
    const take = (heap: TimeHeap): void => {
      for (let i = 0; i < heap.count; i++, j++) {
        times[j] = heap.times[i]!;
        seqs[j] = heap.seqs[i]!;
        slots[j] = heap.slots[i]!;
      }
      heap.count = 0;
    };
    take(this.near);
    take(this.far);
    for (let b = 0; b < this.ringSize; b++) {
      for (let slot = this.heads[b]!; slot !== -1; slot = this.bucketNext[slot]!, j++) {
        times[j] = this.bucketTime[slot]!;
        seqs[j] = this.bucketSeq[slot]!;
        slots[j] = slot;
      }
    }
    assert(j === n, 'every pending event is in the heap, the calendar or beyond it');
    this.inRing = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (retime !== null) times[i] = retime(slots[i]!, times[i]!);
      if (times[i]! < min) min = times[i]!;
      if (times[i]! > max) max = times[i]!;
    }
    if (width === FIT) width = n >= CALENDAR_MIN && max > min ? (PER_BUCKET * (max - min)) / n : 0;
    // Nothing pending gives the calendar no time to start from: back to one heap until a review.
    if (n === 0) width = 0;
    // A width so small that its inverse overflows would put every event in no bucket at all.
    if (!(1 / width < Number.POSITIVE_INFINITY)) width = 0;
    this.width = width;
    if (width === 0) {
      this.base = 0;
      this.invWidth = 0;
      this.cur = Number.POSITIVE_INFINITY;
      this.ringSize = 0;
      this.ringMask = 0;
      this.heads = new Int32Array(0);
    } else {
      // A bucket per pending event: at the run's pace the calendar spans PER_BUCKET times what the
      // pending events span, so few wait beyond it.
      let size = 256;
      while (size < n) size *= 2;
      this.base = min;
      this.invWidth = 1 / width;
      this.cur = 0;
      if (this.ringSize !== size) this.heads = new Int32Array(size);
      this.heads.fill(-1);
      this.ringSize = size;
      this.ringMask = size - 1;
    }
    for (let i = 0; i < n; i++) {
      const index = Math.floor((times[i]! - this.base) * this.invWidth);
      if (index <= this.cur) this.near.append(times[i]!, seqs[i]!, slots[i]!);
      else if (index < this.cur + this.ringSize) this.toBucket(index, times[i]!, seqs[i]!, slots[i]!);
      else this.far.append(times[i]!, seqs[i]!, slots[i]!);
    }
    this.near.heapify();
    this.far.heapify();
  }

  private growBuckets(slot: number): void {
    let capacity = Math.max(256, this.bucketNext.length);
    while (capacity <= slot) capacity *= 2;
    const time = new Float64Array(capacity);
    time.set(this.bucketTime);
    this.bucketTime = time;
    const seq = new Float64Array(capacity);
    seq.set(this.bucketSeq);
    this.bucketSeq = seq;
    const next = new Int32Array(capacity);
    next.set(this.bucketNext);
    this.bucketNext = next;
  }
}
