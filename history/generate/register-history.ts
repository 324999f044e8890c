/**
 * Synthetic register histories that are linearizable by construction, for property tests and
 * benchmarks: concurrent clients invoke reads, writes and compare-and-sets; each operation
 * takes effect at a random instant between its invocation and its completion, in the order of
 * those instants, on a sequential register; an operation that times out (`info`) takes effect
 * or not, by a coin, and its client is replaced by a fresh process (as Jepsen does).
 *
 * And their known-bad twins: `plantStaleRead` and `plantLostUpdate` add three operations, on
 * values nobody else uses, that no linearization can explain, at a random point in time.
 * Randomness is injected (`random()` in [0, 1)), so the same source gives the same history.
 */
import type { History, Operation } from '../history.ts';

/** Options of `generateRegisterHistory`. */
export interface RegisterHistoryOptions {
  /** Uniform in [0, 1); the only source of randomness. */
  random: () => number;
  /** Concurrent clients (default 10). */
  processes?: number;
  /** Operations in all (default 300). */
  operations?: number;
  /** Chance that an operation times out (`info`) (default 0.2). */
  infoProbability?: number;
  /** Include compare-and-set operations (cas-register) (default true). */
  cas?: boolean;
  /** Distinct values written (default 5). */
  values?: number;
  /** Longest time an operation takes, ms (default 10). */
  latencyMsMax?: number;
}

interface Planned {
  process: number;
  f: 'read' | 'write' | 'cas';
  argument: unknown;
  invokeMs: number;
  effectMs: number;
  completeMs: number;
  info: boolean;
  applies: boolean;
  result?: unknown;
  type?: 'ok' | 'fail' | 'info';
}

/** A linearizable register history. */
export function generateRegisterHistory(options: RegisterHistoryOptions): History {
  const { random } = options;
  const processes = options.processes ?? 10;
  const count = options.operations ?? 300;
  const infoProbability = options.infoProbability ?? 0.2;
  const cas = options.cas ?? true;
  const values = options.values ?? 5;
  const latency = options.latencyMsMax ?? 10;
  const clock = new Array<number>(processes).fill(0);
  const name = Array.from({ length: processes }, (_, i) => i);
  const planned: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const slot = Math.floor(random() * processes);
    const roll = random();
    const f = roll < 0.4 ? 'read' : roll < 0.8 || !cas ? 'write' : 'cas';
    const value = () => Math.floor(random() * values);
    const invokeMs = clock[slot]! + random() * latency;
    const effectMs = invokeMs + random() * latency;
    const completeMs = effectMs + random() * latency;
    const info = random() < infoProbability;
    const argument = f === 'read' ? null : f === 'write' ? value() : [value(), value()];
    planned.push({ process: name[slot]!, f, argument, invokeMs, effectMs, completeMs, info, applies: !info || random() < 0.5 });
    clock[slot] = completeMs;
    if (info) name[slot]! += processes;
  }
  let state: unknown = null;
  for (const op of [...planned].sort((a, b) => a.effectMs - b.effectMs)) {
    if (op.f === 'read') op.result = state;
    else if (op.f === 'write') {
      if (op.applies) state = op.argument;
    } else {
      const [expected, next] = op.argument as [unknown, unknown];
      const matches = state === expected;
      if (matches && op.applies) state = next;
      op.type = matches ? 'ok' : 'fail';
    }
    op.result ??= op.argument;
  }
  return toHistory(planned);
}

/** Turns planned operations into a history ordered by time. */
function toHistory(planned: readonly Planned[]): History {
  const events: { timeMs: number; op: Operation }[] = [];
  for (const p of planned) {
    events.push({ timeMs: p.invokeMs, op: { process: p.process, type: 'invoke', f: p.f, value: p.argument, timeMs: p.invokeMs } });
    const type = p.info ? 'info' : (p.type ?? 'ok');
    const value = type === 'info' ? p.argument : p.result;
    events.push({ timeMs: p.completeMs, op: { process: p.process, type, f: p.f, value, timeMs: p.completeMs } });
  }
  events.sort((a, b) => a.timeMs - b.timeMs);
  return { operations: events.map((e) => e.op) };
}

/** A history's time span. */
function span(history: History): { startMs: number; endMs: number } {
  const times = history.operations.map((op) => op.timeMs ?? 0);
  return { startMs: Math.min(0, ...times), endMs: Math.max(0, ...times) };
}

/** Inserts operations into a history by time. */
function insert(history: History, added: Operation[]): History {
  const all = [...history.operations.map((op, i) => ({ op, order: i })), ...added.map((op, i) => ({ op, order: history.operations.length + i }))];
  all.sort((a, b) => (a.op.timeMs ?? 0) - (b.op.timeMs ?? 0) || a.order - b.order);
  return { operations: all.map((e) => e.op) };
}

const UNIQUE = 1_000_000;

/**
 * Adds a stale read at a random time: `write(u)` completes, then `write(w)` completes, then a
 * read returns u. u and w are values nobody else writes, so no linearization explains it.
 */
export function plantStaleRead(history: History, random: () => number): History {
  const { startMs, endMs } = span(history);
  const t = startMs + random() * (endMs - startMs);
  const step = 1e-3;
  const u = UNIQUE + 1;
  const w = UNIQUE + 2;
  return insert(history, [
    { process: 'planted-writer-1', type: 'invoke', f: 'write', value: u, timeMs: t },
    { process: 'planted-writer-1', type: 'ok', f: 'write', value: u, timeMs: t + step },
    { process: 'planted-writer-2', type: 'invoke', f: 'write', value: w, timeMs: t + 2 * step },
    { process: 'planted-writer-2', type: 'ok', f: 'write', value: w, timeMs: t + 3 * step },
    { process: 'planted-reader', type: 'invoke', f: 'read', value: null, timeMs: t + 4 * step },
    { process: 'planted-reader', type: 'ok', f: 'read', value: u, timeMs: t + 5 * step },
  ]);
}

/**
 * Adds a lost update at a random time: `write(u)` completes, then two overlapping
 * `cas(u, a)` and `cas(u, b)` both succeed. Only one of them can have seen u.
 */
export function plantLostUpdate(history: History, random: () => number): History {
  const { startMs, endMs } = span(history);
  const t = startMs + random() * (endMs - startMs);
  const step = 1e-3;
  const u = UNIQUE + 3;
  return insert(history, [
    { process: 'planted-writer', type: 'invoke', f: 'write', value: u, timeMs: t },
    { process: 'planted-writer', type: 'ok', f: 'write', value: u, timeMs: t + step },
    { process: 'planted-cas-1', type: 'invoke', f: 'cas', value: [u, UNIQUE + 4], timeMs: t + 2 * step },
    { process: 'planted-cas-2', type: 'invoke', f: 'cas', value: [u, UNIQUE + 5], timeMs: t + 2.5 * step },
    { process: 'planted-cas-1', type: 'ok', f: 'cas', value: [u, UNIQUE + 4], timeMs: t + 3 * step },
    { process: 'planted-cas-2', type: 'ok', f: 'cas', value: [u, UNIQUE + 5], timeMs: t + 4 * step },
  ]);
}
