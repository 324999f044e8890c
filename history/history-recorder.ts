/**
 * Records a history as a simulation's clients run: each client operation's invocation and
 * its completion, in simulated time (ms). One recorder per run; clients call `invoke` when
 * they send a request and `ok` / `fail` / `info` when they learn its outcome (`info` when
 * they cannot know, e.g. a timeout). The result is the same `History` the parsers produce,
 * so a scenario's history is checked, written as JSON or EDN, and drawn like any other.
 *
 * Misuse is a bug in the scenario and throws: a second invocation while the process has one
 * open, a completion of a handle already completed, time going backwards.
 */
import type { History, Operation, Process } from './history.ts';

/** The recorder's receipt for an invocation; pass it back to complete the operation. */
export interface OperationHandle {
  readonly process: Process;
  readonly f: string;
  /** Position of the invocation in the history. */
  readonly position: number;
}

export class HistoryRecorder {
  private readonly operations: Operation[] = [];
  private readonly open = new Map<Process, OperationHandle>();
  private lastTimeMs = Number.NEGATIVE_INFINITY;

  /**
   * Records an invocation.
   * @param process the client, e.g. `client-3`
   * @param f the function, e.g. `read`, `write`, `cas`, `txn`
   * @param value the argument (null for a read)
   * @param timeMs simulated time of the invocation
   */
  invoke(process: Process, f: string, value: unknown, timeMs: number): OperationHandle {
    this.checkTime(timeMs);
    const pending = this.open.get(process);
    if (pending !== undefined) throw new Error(`HistoryRecorder: process ${String(process)} invokes ${f} while its ${pending.f} is still open`);
    const handle: OperationHandle = { process, f, position: this.operations.length };
    this.operations.push({ process, type: 'invoke', f, value: value ?? null, timeMs });
    this.open.set(process, handle);
    return handle;
  }

  /** The operation took effect; `value` is its result (a read's value). */
  ok(handle: OperationHandle, value: unknown, timeMs: number): void {
    this.complete(handle, 'ok', value, timeMs);
  }

  /** The operation certainly did not take effect. */
  fail(handle: OperationHandle, value: unknown, timeMs: number): void {
    this.complete(handle, 'fail', value, timeMs);
  }

  /** The outcome is unknown: it may have taken effect, or may still. */
  info(handle: OperationHandle, value: unknown, timeMs: number): void {
    this.complete(handle, 'info', value, timeMs);
  }

  /** Whether the process has an operation open. */
  isOpen(process: Process): boolean {
    return this.open.has(process);
  }

  /** How many processes have an operation open. */
  get openCount(): number {
    return this.open.size;
  }

  /** The history so far (a copy; open operations stay open in it). */
  history(): History {
    return { operations: this.operations.map((op) => ({ ...op })) };
  }

  /** The history so far, without a copy: for a checker to read at once, never to keep or change. */
  view(): Readonly<History> {
    return { operations: this.operations };
  }

  private complete(handle: OperationHandle, type: 'ok' | 'fail' | 'info', value: unknown, timeMs: number): void {
    this.checkTime(timeMs);
    if (this.open.get(handle.process) !== handle) {
      throw new Error(`HistoryRecorder: ${handle.f} of process ${String(handle.process)} (position ${handle.position}) is not open; it was completed already`);
    }
    this.open.delete(handle.process);
    this.operations.push({ process: handle.process, type, f: handle.f, value: value ?? null, timeMs });
  }

  private checkTime(timeMs: number): void {
    if (!Number.isFinite(timeMs)) throw new Error(`HistoryRecorder: timeMs must be a finite number, got ${timeMs}`);
    if (timeMs < this.lastTimeMs) throw new Error(`HistoryRecorder: time went backwards (${timeMs} ms after ${this.lastTimeMs} ms)`);
    this.lastTimeMs = timeMs;
  }
}
