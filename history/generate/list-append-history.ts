/**
 * Synthetic list-append histories from a strictly serializable store, for property tests and
 * the benchmark: concurrent clients run transactions of a few appends and reads; each
 * committed transaction takes effect atomically at a random instant between its invocation
 * and completion, in the order of those instants. As in Elle's generator, a few keys are
 * active at a time and a key retires after a bounded number of appends, so lists stay short
 * and the history's size, not its lists, grows. Some transactions fail (no effect) and some
 * time out (`info`: effect or not, by a coin). Randomness is injected.
 */
import type { History, Operation } from '../history.ts';

/** Options of `generateListAppendHistory`. */
export interface ListAppendHistoryOptions {
  /** Uniform in [0, 1); the only source of randomness. */
  random: () => number;
  /** Concurrent clients (default 10). */
  processes?: number;
  /** Transactions in all (default 1,000). */
  transactions?: number;
  /** Keys in use at a time (default 10). */
  keysActive?: number;
  /** Appends after which a key retires (default 32). */
  appendsPerKeyMax?: number;
  /** Micro-ops per transaction, at most (default 4). */
  microOpsMax?: number;
  /** Chance a transaction fails (default 0.05) or times out (default 0.05). */
  failProbability?: number;
  infoProbability?: number;
}

interface Planned {
  process: number;
  invokeMs: number;
  effectMs: number;
  completeMs: number;
  outcome: 'ok' | 'fail' | 'info';
  applies: boolean;
  submitted?: unknown[][];
  executed?: unknown[][];
}

/** A strictly serializable list-append history. */
export function generateListAppendHistory(options: ListAppendHistoryOptions): History {
  const { random } = options;
  const processes = options.processes ?? 10;
  const count = options.transactions ?? 1000;
  const failP = options.failProbability ?? 0.05;
  const infoP = options.infoProbability ?? 0.05;
  const clock = new Array<number>(processes).fill(0);
  const name = Array.from({ length: processes }, (_, i) => i);
  const planned: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const slot = Math.floor(random() * processes);
    const invokeMs = clock[slot]! + random() * 5;
    const effectMs = invokeMs + random() * 5;
    const completeMs = effectMs + random() * 5;
    const roll = random();
    const outcome = roll < failP ? 'fail' : roll < failP + infoP ? 'info' : 'ok';
    planned.push({ process: name[slot]!, invokeMs, effectMs, completeMs, outcome, applies: outcome === 'ok' || (outcome === 'info' && random() < 0.5) });
    clock[slot] = completeMs;
    if (outcome === 'info') name[slot]! += processes;
  }
  const store = new KeyStore(random, options.keysActive ?? 10, options.appendsPerKeyMax ?? 32);
  const mopsMax = options.microOpsMax ?? 4;
  for (const txn of [...planned].sort((a, b) => a.effectMs - b.effectMs)) {
    const size = 1 + Math.floor(random() * mopsMax);
    txn.submitted = [];
    txn.executed = [];
    for (let m = 0; m < size; m++) {
      const key = store.pick();
      if (random() < 0.5) {
        txn.submitted.push(['r', key, null]);
        txn.executed.push(['r', key, txn.applies ? store.read(key) : null]);
      } else {
        const value = store.nextValue(key);
        if (txn.applies) store.append(key, value);
        txn.submitted.push(['append', key, value]);
        txn.executed.push(['append', key, value]);
      }
    }
  }
  const events: { timeMs: number; op: Operation }[] = [];
  for (const t of planned) {
    events.push({ timeMs: t.invokeMs, op: { process: t.process, type: 'invoke', f: 'txn', value: t.submitted, timeMs: t.invokeMs } });
    const value = t.outcome === 'ok' ? t.executed : t.submitted;
    events.push({ timeMs: t.completeMs, op: { process: t.process, type: t.outcome, f: 'txn', value, timeMs: t.completeMs } });
  }
  events.sort((a, b) => a.timeMs - b.timeMs);
  return { operations: events.map((e) => e.op) };
}

/** The store's lists, with a rotating set of active keys. */
class KeyStore {
  private readonly lists = new Map<number, number[]>();
  private readonly written = new Map<number, number>();
  private readonly active: number[] = [];
  private nextKey = 0;

  constructor(
    private readonly random: () => number,
    keysActive: number,
    private readonly appendsMax: number,
  ) {
    for (let i = 0; i < keysActive; i++) this.active.push(this.nextKey++);
  }

  pick(): number {
    return this.active[Math.floor(this.random() * this.active.length)]!;
  }

  read(key: number): number[] {
    return [...(this.lists.get(key) ?? [])];
  }

  /** A value never appended to `key` before; retires the key once it has had its share. */
  nextValue(key: number): number {
    const n = (this.written.get(key) ?? 0) + 1;
    this.written.set(key, n);
    if (n >= this.appendsMax) {
      const i = this.active.indexOf(key);
      if (i !== -1) this.active[i] = this.nextKey++;
    }
    return n;
  }

  append(key: number, value: number): void {
    let list = this.lists.get(key);
    if (list === undefined) {
      list = [];
      this.lists.set(key, list);
    }
    list.push(value);
  }
}
