/**
 * The history a scenario's clients record: each client operation's invocation and completion
 * in true simulated time, Jepsen's model (`ok`, `fail`: did not take effect, `info`: may or may
 * not have). One recorder per run, `world.history`. It records only when someone will read the
 * history — an invariant judged on it, `run --history`, the UI — so a check of a scenario that
 * claims nothing of its history pays nothing for the calls.
 *
 * An invariant with `history: { model, consistency? }` is judged at the end of the run by the
 * generic checkers (faultline/history): linearizability for register, cas-register, kv, set
 * and counter; transactional anomalies for list-append and rw-register; session guarantees
 * (read-your-writes, monotonic reads) for `session`. The checkers run with a state bound, not a
 * wall-clock one, so a verdict is as deterministic as the run; an unknown verdict (the bound
 * was hit) is narrated, never reported as a violation.
 */
import { type CheckResult, type ConsistencyLevel, checkHistory, type History, HistoryRecorder, type OperationHandle } from '../../history/index.ts';

/** A client operation in progress (null when the history is not being recorded). */
export type ClientOperation = OperationHandle | null;

/** What an invariant judged on the history claims. */
export interface HistoryClaim {
  /** A model of faultline/history: register, cas-register, kv, set, counter, list-append, rw-register, session. */
  model: string;
  /** For list-append and rw-register: the isolation level claimed (default serializable). */
  consistency?: ConsistencyLevel;
}

/** The states a linearizability search may memoize per key before the verdict is "unknown". */
const STATES_MAX = 200_000;

export class ClientHistory {
  private readonly recorder: HistoryRecorder | null;

  constructor(
    private readonly clock: () => number,
    recording: boolean,
  ) {
    this.recorder = recording ? new HistoryRecorder() : null;
  }

  /** True when operations are being recorded. */
  get recording(): boolean {
    return this.recorder !== null;
  }

  /** A client (e.g. `client-3`) starts an operation: `f` is its function (`read`, `write`, `cas`, `add`, `txn`), `value` its argument. */
  invoke(process: string, f: string, value: unknown): ClientOperation {
    return this.recorder === null ? null : this.recorder.invoke(process, f, value, this.clock());
  }

  /**
   * The process `client` should invoke its next operation on: `client` itself when it has
   * nothing open, else its first free thread `client#2`, `client#3`... A history's process has
   * one operation open at a time (Jepsen's model), so a client with several requests in flight
   * records each on a thread of its own; the session model judges a client's threads as one
   * session, and the linearizability checkers do not care which process invoked what.
   */
  thread(client: string): string {
    const recorder = this.recorder;
    if (recorder === null || !recorder.isOpen(client)) return client;
    // Of openCount + 1 threads after the first, at least one is free.
    for (let n = 2; n <= recorder.openCount + 2; n++) {
      const name = `${client}#${n}`;
      if (!recorder.isOpen(name)) return name;
    }
    throw new Error(`ClientHistory: no free thread of ${client} among ${recorder.openCount} open operations`);
  }

  /** The operation took effect; `value` is its result (what a read saw). */
  ok(op: ClientOperation, value: unknown): void {
    if (op !== null) this.recorder!.ok(op, value, this.clock());
  }

  /** The operation certainly did not take effect. */
  fail(op: ClientOperation, value?: unknown): void {
    if (op !== null) this.recorder!.fail(op, value ?? null, this.clock());
  }

  /** The client cannot know whether it took effect (a timeout, a lost reply). */
  info(op: ClientOperation, value?: unknown): void {
    if (op !== null) this.recorder!.info(op, value ?? null, this.clock());
  }

  /** The history recorded so far (empty when not recording). */
  history(): History {
    return this.recorder === null ? { operations: [] } : this.recorder.history();
  }

  /** Judges a claim on the recorded history. */
  judge(claim: HistoryClaim): CheckResult {
    // The checkers only read the history: no copy (a check judges every run's).
    return checkHistory(this.recorder === null ? { operations: [] } : this.recorder.view(), {
      model: claim.model,
      ...(claim.consistency ? { consistency: claim.consistency } : {}),
      statesMax: STATES_MAX,
    });
  }
}
