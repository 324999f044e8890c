/**
 * The lanes of the history view: one per client process, the threads of a session (`S#2`,
 * `S#3`: one per request a session has in flight, see history/session) right under the
 * session's own lane, sessions in the order they first invoked; in compare mode each run's
 * lanes under a header naming the run. Pure layout: which row each operation sits on, and
 * which operations the violated claims' anomalies name.
 */
import { sessionOf } from '../../../history/index.ts';
import type { HistoryAnomalyView, HistoryClaimView, HistoryOperationView, RunHistory } from '../../../wire/index.ts';
import type { RunSet } from './run-set.ts';

export interface HistoryLane {
  run: number;
  process: string;
  session: string;
  /** The session's own lane (not one of its threads). */
  first: boolean;
  /** Its row, counting run headers. */
  row: number;
}

export interface HistoryRunRows {
  run: number;
  label: string;
  /** Row of the run's header in compare mode (null with one run). */
  headerRow: number | null;
  history: RunHistory;
  /** Lane index (into lanes) of each operation, by position in history.operations. */
  laneOf: Int32Array;
  /** The claims judged on the run's history (their anomalies name operations by id). */
  claims: HistoryClaimView[];
}

export interface HistoryLayout {
  lanes: HistoryLane[];
  runs: HistoryRunRows[];
  rows: number;
}

/** Lays out the histories of the runs on screen (null when no run recorded one). */
export function layoutHistory(runs: RunSet): HistoryLayout | null {
  const withHistory = runs.stores.map((s, r) => ({ r, history: s.summary.history ?? null })).filter((x) => x.history !== null);
  if (withHistory.length === 0) return null;
  const lanes: HistoryLane[] = [];
  const out: HistoryRunRows[] = [];
  let row = 0;
  for (const { r, history } of withHistory) {
    const h = history!;
    const headerRow = runs.compare ? row++ : null;
    const index = new Map<string, number>();
    for (const [session, processes] of sessionsOf(h.operations)) {
      processes.forEach((process, k) => {
        index.set(process, lanes.length);
        lanes.push({ run: r, process, session, first: k === 0, row: row++ });
      });
    }
    const laneOf = Int32Array.from(h.operations, (op) => index.get(op.process)!);
    out.push({ run: r, label: runs.labels[r] ?? '', headerRow, history: h, laneOf, claims: h.claims });
  }
  return { lanes, runs: out, rows: row };
}

/** Sessions in order of first invocation, each with its processes: the session's own first, then its threads by number. */
function sessionsOf(ops: readonly HistoryOperationView[]): Map<string, string[]> {
  const sessions = new Map<string, string[]>();
  for (const op of ops) {
    const session = sessionOf(op.process);
    let list = sessions.get(session);
    if (list === undefined) sessions.set(session, (list = []));
    if (!list.includes(op.process)) list.push(op.process);
  }
  for (const list of sessions.values()) list.sort((a, b) => threadNumber(a) - threadNumber(b));
  return sessions;
}

/** 1 for a session's own process, n for its thread `S#n`. */
function threadNumber(process: string): number {
  const session = sessionOf(process);
  return session === process ? 1 : Number(process.slice(session.length + 1));
}

/** The moment an operation is best looked at: its completion (what it returned), or its invocation when it never completed. */
export function momentOf(op: HistoryOperationView): number {
  return op.completeMs ?? op.invokeMs;
}

/** The moment an anomaly is best looked at: the operation it is about, else the latest of its operations. */
export function anomalyMoment(anomaly: HistoryAnomalyView, ops: ReadonlyMap<number, HistoryOperationView>): number {
  const main = anomaly.main === null ? undefined : ops.get(anomaly.main);
  if (main !== undefined) return momentOf(main);
  let t = 0;
  for (const id of anomaly.operations) {
    const op = ops.get(id);
    if (op !== undefined) t = Math.max(t, momentOf(op));
  }
  return t;
}

/** An operation in a few words: `read row2 → 1`, `write list12/eu-1 added`, `cas [1 2] → [1 2]`. */
export function describeOperation(op: HistoryOperationView): string {
  const parts = [op.f];
  if (op.key !== null) parts.push(op.key);
  if (op.value !== 'nil') parts.push(op.value);
  let text = parts.join(' ');
  // A result worth saying: another value than the argument, or what a read of nothing returned.
  if (op.result !== null && (op.result !== op.value || op.value === 'nil')) text += ` → ${op.result}`;
  return text;
}
