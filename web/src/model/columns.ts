/**
 * Storage for the trace indices: growable typed columns (one number per message) and step
 * functions of time (a node's status, state label or speed, changing at given times).
 */
import { upperBound } from './bounds.ts';

/** A growable column of numbers. */
export class Column<T extends Float64Array | Int32Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[i] = v;
  }
}

export class Steps {
  readonly t: number[] = [];
  readonly v: number[] = [];
  readonly detail: (string | undefined)[] = [];
  push(t: number, v: number, detail?: string): void {
    this.t.push(t);
    this.v.push(v);
    this.detail.push(detail);
  }
  /** Index of the last step at or before t (-1: none). */
  indexAt(t: number): number {
    return upperBound(this.t, t) - 1;
  }
}
