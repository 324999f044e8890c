/**
 * The trace hash: a 64-bit digest (two independent 32-bit lanes) of the canonical encoding
 * of every trace event, in order. Canonical encoding = JSON.stringify of the materialized
 * event, whose keys are always built in the same order. Pure JS with no platform API, so
 * Node, a worker thread and the browser compute the same hash for the same run.
 */
import type { TraceEvent } from './trace-event.ts';

export class TraceHasher {
  private h1 = 0x9e3779b9;
  private h2 = 0x85ebca6b;
  private count = 0;

  add(event: TraceEvent): void {
    this.addText(JSON.stringify(event));
  }

  /** Folds a string (one event's encoding) into the hash, followed by a separator. */
  addText(text: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x9e3779b1);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = Math.imul(h1 ^ 0x0a, 0x9e3779b1);
    h2 = Math.imul(h2 ^ 0x0a, 0x5bd1e995);
    this.h1 = h1 ^ (h1 >>> 13);
    this.h2 = h2;
    this.count++;
  }

  /** 16 hex digits. */
  digest(): string {
    let h1 = this.h1 ^ this.count;
    let h2 = this.h2 ^ Math.imul(this.count, 0x27d4eb2d);
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
    h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/** The hash of a list of events. */
export function hashEvents(events: Iterable<TraceEvent>): string {
  const h = new TraceHasher();
  for (const e of events) h.add(e);
  return h.digest();
}
