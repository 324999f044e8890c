/**
 * Elle's rw-register analysis. Transactions write unique values to registers and read them,
 * so a read names the one transaction whose write it saw (wr). Reads do not reveal the whole
 * version order as lists do; what is known of it is inferred as Elle does:
 *
 * - the initial state (nil) precedes every written version;
 * - a transaction that read (or wrote) version v of a key and then wrote v' installed v'
 *   right after v (writes follow reads).
 *
 * From those relations come ww edges (writer of v → writer of v') and rw edges (reader of v →
 * writer of v'). An rw edge from a read of nil goes to the writers of the versions with no
 * other known predecessor; edges to later versions follow from those by ww. Anomalies without
 * cycles: a value written twice (`duplicate-writes`), a read of a value nobody wrote
 * (`garbage-read`), of a failed write (G1a), of a transaction's overwritten intermediate
 * value (G1b), and a transaction contradicting itself (`internal`).
 */
import type { Anomaly } from '../check-result.ts';
import { showValue, valueKey } from '../values.ts';
import { DependencyGraph } from './dependency-graph.ts';
import { transactionData, txnName } from './explain.ts';
import type { TransactionalAnalysis } from './list-append.ts';
import type { Transaction } from './transaction.ts';

const NIL = valueKey(null);

interface Writer {
  txn: Transaction;
  value: unknown;
  final: boolean;
}

interface KeyState {
  key: unknown;
  writers: Map<string, Writer>;
  failed: Map<string, Transaction>;
  /** Known direct successions of versions (canonical strings; nil included). */
  next: Map<string, Set<string>>;
  hasPredecessor: Set<string>;
  /** External reads: reader and the version it saw. */
  reads: { txn: Transaction; version: string; value: unknown }[];
}

/** Analyses an rw-register history. */
export function analyzeRwRegister(txns: readonly Transaction[]): TransactionalAnalysis {
  const anomalies: Anomaly[] = [];
  const keys = new Map<string, KeyState>();
  const stateOf = (k: string, key: unknown): KeyState => {
    let s = keys.get(k);
    if (s === undefined) {
      s = { key, writers: new Map(), failed: new Map(), next: new Map(), hasPredecessor: new Set(), reads: [] };
      keys.set(k, s);
    }
    return s;
  };
  for (const txn of txns) recordTransaction(txn, stateOf, anomalies);

  const graph = new DependencyGraph(txns.length);
  for (const s of keys.values()) addEdges(graph, s, anomalies);
  return { graph, anomalies };
}

function recordTransaction(txn: Transaction, stateOf: (k: string, key: unknown) => KeyState, anomalies: Anomaly[]): void {
  const lastWrite = new Map<string, number>();
  txn.ops.forEach((op, i) => {
    if (op.f === 'w') lastWrite.set(op.k, i);
  });
  // What this transaction knows of each key: the version it last read or wrote.
  const current = new Map<string, { version: string; value: unknown; wrote: boolean }>();
  txn.ops.forEach((op, i) => {
    const s = stateOf(op.k, op.key);
    const version = valueKey(op.value ?? null);
    const before = current.get(op.k);
    if (op.f === 'w') {
      if (txn.type === 'fail') s.failed.set(version, txn);
      else {
        const other = s.writers.get(version);
        if (other !== undefined) {
          anomalies.push({
            type: 'duplicate-writes',
            explanation: `${showValue(op.value)} was written to ${showValue(op.key)} twice, by ${txnName(other.txn)} and ${txnName(txn)}; rw-register needs unique values to tell writes apart`,
            key: op.key,
            value: op.value,
            transactions: [transactionData(other.txn), transactionData(txn)],
          });
        } else s.writers.set(version, { txn, value: op.value, final: lastWrite.get(op.k) === i });
        if (before !== undefined && (txn.type === 'ok' || before.wrote)) succeed(s, before.version, version);
      }
      current.set(op.k, { version, value: op.value, wrote: true });
      return;
    }
    if (txn.type !== 'ok') return;
    if (before !== undefined) {
      if (before.version !== version) {
        anomalies.push({
          type: 'internal',
          explanation: `${txnName(txn)} read ${showValue(op.key)} = ${showValue(op.value)}, but it had ${before.wrote ? 'written' : 'read'} ${showValue(before.value)} just before`,
          key: op.key,
          read: op.value,
          expected: before.value,
          transactions: [transactionData(txn)],
        });
      }
      return;
    }
    s.reads.push({ txn, version, value: op.value ?? null });
    current.set(op.k, { version, value: op.value ?? null, wrote: false });
  });
}

/** Records that `to` directly followed `from` in the key's version order. */
function succeed(s: KeyState, from: string, to: string): void {
  let set = s.next.get(from);
  if (set === undefined) {
    set = new Set();
    s.next.set(from, set);
  }
  set.add(to);
  s.hasPredecessor.add(to);
}

function addEdges(graph: DependencyGraph, s: KeyState, anomalies: Anomaly[]): void {
  const key = s.key;
  // The initial state precedes every version no known version precedes.
  for (const version of s.writers.keys()) if (!s.hasPredecessor.has(version)) succeed(s, NIL, version);
  for (const [from, tos] of s.next) {
    const a = s.writers.get(from);
    if (a === undefined) continue;
    for (const to of tos) {
      const b = s.writers.get(to);
      if (b !== undefined) graph.add(a.txn.index, b.txn.index, 'ww', { key, fromValue: a.value, toValue: b.value });
    }
  }
  for (const read of s.reads) {
    if (read.version !== NIL) {
      const writer = s.writers.get(read.version);
      if (writer === undefined) {
        const aborted = s.failed.get(read.version);
        anomalies.push(
          aborted !== undefined
            ? {
                type: 'G1a',
                explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(read.value)}, written by ${txnName(aborted)}, which failed (aborted read)`,
                key,
                value: read.value,
                transactions: [transactionData(read.txn), transactionData(aborted)],
              }
            : {
                type: 'garbage-read',
                explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(read.value)}, which no transaction wrote`,
                key,
                value: read.value,
                transactions: [transactionData(read.txn)],
              },
        );
        continue;
      }
      if (writer.txn === read.txn) continue;
      graph.add(writer.txn.index, read.txn.index, 'wr', { key, fromValue: writer.value, toValue: read.value });
      if (!writer.final) {
        anomalies.push({
          type: 'G1b',
          explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(read.value)}, an intermediate write of ${txnName(writer.txn)}, which overwrote it later (intermediate read)`,
          key,
          value: read.value,
          transactions: [transactionData(read.txn), transactionData(writer.txn)],
        });
      }
    }
    for (const to of s.next.get(read.version) ?? []) {
      const writer = s.writers.get(to);
      if (writer !== undefined) graph.add(read.txn.index, writer.txn.index, 'rw', { key, fromValue: read.value, toValue: writer.value });
    }
  }
}
