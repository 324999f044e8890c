/**
 * TraceStats: what a run's trace contains (node states, message kinds, metric series, the
 * busiest traffic bucket, the longest flight), gathered in one pass as events are recorded,
 * so the page can fix its axes and legends before a single event is streamed.
 */
import type { TraceEvent } from '../engine/index.ts';
import type { TraceStats } from './protocol.ts';

/** Width of a traffic bucket for a run of this length: about 200 buckets, on a 1-2-5 grid. */
export function bucketMsFor(endMs: number): number {
  const raw = Math.max(endMs, 1) / 200;
  // The decade below raw, found by multiplying (exact for these sizes) rather than by a
  // logarithm, whose last bit may differ between the server's and the page's engine.
  let pow = 1;
  while (pow > raw) pow /= 10;
  while (pow * 10 <= raw) pow *= 10;
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** Gathers TraceStats in one pass over the events as they are recorded. */
export class StatsCollector {
  private readonly states = new Map<string, { label: string; count: number; key: boolean }>();
  private readonly messageTypes = new Map<string, { type: string; count: number }>();
  private readonly series = new Map<string, { name: string; points: number; min: number; max: number }>();
  private readonly sendTimes: number[] = [];
  private readonly dropTimes: number[] = [];
  private readonly sentAt = new Map<number, number>();
  private flightMsMax = 0;
  private lastState: { node: string; t: number; label: string } | null = null;
  private lastKeyNote: { node: string; t: number } | null = null;

  add(event: TraceEvent): void {
    switch (event.type) {
      case 'send': {
        this.sendTimes.push(event.t);
        this.sentAt.set(event.id, event.t);
        const type = messageType(event.msg);
        const entry = this.messageTypes.get(type);
        if (entry === undefined) this.messageTypes.set(type, { type, count: 1 });
        else entry.count++;
        return;
      }
      case 'deliver':
      case 'drop': {
        if (event.type === 'drop') this.dropTimes.push(event.t);
        const sent = this.sentAt.get(event.id);
        if (sent !== undefined) this.flightMsMax = Math.max(this.flightMsMax, event.t - sent);
        return;
      }
      case 'state': {
        let entry = this.states.get(event.state);
        if (entry === undefined) this.states.set(event.state, (entry = { label: event.state, count: 0, key: false }));
        entry.count++;
        const k = this.lastKeyNote;
        if (k !== null && k.node === event.node && k.t === event.t) entry.key = true;
        this.lastState = { node: event.node, t: event.t, label: event.state };
        return;
      }
      case 'note': {
        if (event.level !== 'key' || event.node === undefined) return;
        this.lastKeyNote = { node: event.node, t: event.t };
        const s = this.lastState;
        if (s !== null && s.node === event.node && s.t === event.t) this.states.get(s.label)!.key = true;
        return;
      }
      case 'metric': {
        const entry = this.series.get(event.name);
        if (entry === undefined) this.series.set(event.name, { name: event.name, points: 1, min: event.value, max: event.value });
        else {
          entry.points++;
          if (event.value < entry.min) entry.min = event.value;
          if (event.value > entry.max) entry.max = event.value;
        }
        return;
      }
      default:
        return;
    }
  }

  finish(endMs: number): TraceStats {
    const bucketMs = bucketMsFor(endMs);
    return {
      states: [...this.states.values()],
      messageTypes: [...this.messageTypes.values()],
      series: [...this.series.values()],
      bucketMs,
      sentPerBucketMax: busiest(this.sendTimes, bucketMs),
      droppedPerBucketMax: busiest(this.dropTimes, bucketMs),
      flightMsMax: this.flightMsMax,
    };
  }
}

function busiest(times: readonly number[], bucketMs: number): number {
  let max = 0;
  let bucket = -1;
  let n = 0;
  for (const t of times) {
    const b = Math.floor(t / bucketMs);
    if (b !== bucket) {
      bucket = b;
      n = 0;
    }
    n++;
    if (n > max) max = n;
  }
  return max;
}

/** A message's kind for legends: its `type` field when it has one. */
export function messageType(msg: unknown): string {
  if (msg !== null && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') return (msg as { type: string }).type;
  if (typeof msg === 'string') return msg.length <= 24 ? msg : 'text';
  return msg === null || msg === undefined ? 'empty' : typeof msg;
}
