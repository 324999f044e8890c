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
import {
  type CheckResult,
  type ColumnarHistory,
  type ConsistencyLevel,
  checkHistory,
  DEFAULT_CONSISTENCY,
  type History,
  type HistoryCheckOptions,
  HistoryRecorder,
  type OperationHandle,
} from '../../history/index.ts';

/** A client operation in progress (null when the history is not being recorded). */
export type ClientOperation = OperationHandle | null;

/** What an invariant judged on the history claims. */
export interface HistoryClaim {
  /** A model of faultline/history: register, cas-register, kv, set, counter, list-append, rw-register, session. */
  model: string;
  /** For list-append and rw-register: the isolation level claimed (default serializable). */
  consistency?: ConsistencyLevel;
}

/** The states a linearizability search may memoize per key before the verdict is "unknown" (a run's claims and whoever judges its history again use the same bound, so the same verdict). */
export const HISTORY_STATES_MAX = 200_000;

export class ClientHistory {
  private readonly recorder: HistoryRecorder | null;
  /** Each client's thread names, `client#2`, `client#3`... (made on first use: every run of every scenario makes a ClientHistory). */
  private threadNames: Map<string, string[]> | null = null;
  /** Invocation positions of a proposed serial order (see `proposeOrder`). */
  private order: number[] | undefined;
  /** The history kept in columns by the scenario, not yet recorded as operations (see `recordColumns`). */
  private log: ColumnarHistory | null = null;

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

  /**
   * A client (e.g. `client-3`) starts an operation: `f` is its function (`read`, `write`, `cas`,
   * `add`, `txn`), `value` its argument. Every call here and below records at the current
   * simulated time, or at `timeMs` for a scenario that notes its clients' events as plain
   * numbers during the run and records them once it is over (objects kept alive for a whole
   * run cost a check more than the same objects made at its end); times must not go back.
   */
  invoke(process: string, f: string, value: unknown, timeMs?: number): ClientOperation {
    if (this.recorder === null) return null;
    if (this.log !== null) this.mixed();
    return this.recorder.invoke(process, f, value, timeMs ?? this.clock());
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
    if (recorder === null) return client;
    if (this.log !== null) this.mixed();
    if (!recorder.isOpen(client)) return client;
    // The names are built once per client (a run asks for a thread on every request).
    this.threadNames ??= new Map();
    let names = this.threadNames.get(client);
    if (names === undefined) this.threadNames.set(client, (names = []));
    // Of openCount + 1 threads after the first, at least one is free.
    for (let n = 2; n <= recorder.openCount + 2; n++) {
      if (names.length < n - 1) names.push(`${client}#${n}`);
      const name = names[n - 2]!;
      if (!recorder.isOpen(name)) return name;
    }
    throw new Error(`ClientHistory: no free thread of ${client} among ${recorder.openCount} open operations`);
  }

  /** The operation took effect; `value` is its result (what a read saw). */
  ok(op: ClientOperation, value: unknown, timeMs?: number): void {
    if (op !== null) this.recorder!.ok(op, value, timeMs ?? this.clock());
  }

  /** The operation certainly did not take effect. */
  fail(op: ClientOperation, value?: unknown, timeMs?: number): void {
    if (op !== null) this.recorder!.fail(op, value ?? null, timeMs ?? this.clock());
  }

  /** The client cannot know whether it took effect (a timeout, a lost reply). */
  info(op: ClientOperation, value?: unknown, timeMs?: number): void {
    if (op !== null) this.recorder!.info(op, value ?? null, timeMs ?? this.clock());
  }

  /**
   * The order in which the system under test says these operations took effect (say, its
   * commit log), a hint for the claim's checker: for list-append, a serial order of the
   * transactions, which the checker replays and, when that explains every read, decides at
   * once instead of building the dependency graph; for register and kv, the order of the
   * writes, around which the checker places the reads by their values and decides in one pass
   * instead of searching. A wrong order only costs the full analysis, never a verdict, so the
   * claim is still judged independently of the scenario's own code. Operations not recorded
   * (null) are left out.
   */
  proposeOrder(ops: readonly ClientOperation[]): void {
    if (this.recorder === null) return;
    if (this.log !== null) this.mixed();
    const order: number[] = [];
    for (const op of ops) if (op !== null) order.push(op.position);
    this.order = order;
  }

  /**
   * Takes a history the scenario keeps in columns (faultline/history's ListAppendLog, KvLog:
   * numbers pushed as its clients act, or at the end of the run) as this run's history, for a
   * scenario that judges a claim in every run of a check. The columns stay columns until
   * something reads the history as operations: a claim of the log's model is judged on them by
   * the proof of the order the log proposes (linear, a few arrays), and only when that proves
   * nothing does the log become operations (each client's on threads, as `thread` names them)
   * for the full check. The log is the whole history: record nothing through this recorder
   * until it has been read (such calls throw).
   */
  recordColumns(log: ColumnarHistory): void {
    if (this.recorder === null) return;
    if (this.log !== null || this.recorder.view().operations.length > 0)
      throw new Error('ClientHistory: a history in columns is the whole history; this one has operations recorded already');
    this.log = log;
  }

  /** The history recorded so far (empty when not recording). */
  history(): History {
    if (this.recorder === null) return { operations: [] };
    if (this.log !== null) this.materialize();
    return this.recorder.history();
  }

  /** Judges a claim on the recorded history. */
  judge(claim: HistoryClaim): CheckResult {
    const log = this.log;
    if (log?.prove(claim)) {
      const result: CheckResult = { ok: true, verdict: 'ok', model: claim.model, operations: log.size, elapsedMs: 0, anomalies: [] };
      if (log.model === 'list-append' || log.model === 'rw-register') result.consistency = claim.consistency ?? DEFAULT_CONSISTENCY;
      return result;
    }
    if (log !== null) this.materialize();
    // The checkers only read the history: no copy (a check judges every run's).
    const options: HistoryCheckOptions = { model: claim.model, statesMax: HISTORY_STATES_MAX };
    if (claim.consistency) options.consistency = claim.consistency;
    if (this.order !== undefined) options.order = this.order;
    return checkHistory(this.recorder === null ? { operations: [] } : this.recorder.view(), options);
  }

  /** Records the log's entries as operations (each client's on threads, as `thread` gives them) and its proposed order. */
  private materialize(): void {
    const log = this.log!;
    const recorder = this.recorder!;
    this.log = null;
    const handles: OperationHandle[] = [];
    for (const entry of log.operations()) {
      if (entry.type === 'invoke') {
        handles[entry.op] = recorder.invoke(this.thread(String(entry.process)), entry.f, entry.value, entry.timeMs);
        continue;
      }
      const op = handles[entry.op]!;
      if (entry.type === 'ok') recorder.ok(op, entry.value, entry.timeMs);
      else if (entry.type === 'fail') recorder.fail(op, entry.value, entry.timeMs);
      else recorder.info(op, entry.value, entry.timeMs);
    }
    if (log.order !== null) this.order = log.order.map((op) => handles[op]!.position);
  }

  private mixed(): never {
    throw new Error('ClientHistory: this run records its history in columns (recordColumns); record nothing else until it is read');
  }
}
