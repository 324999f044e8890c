/**
 * Elle's list-append analysis. Transactions append unique values to lists and read whole
 * lists, so every read reveals a prefix of its key's version order: the longest read is the
 * order, every other read must be a prefix of it. From that order come the dependencies:
 *
 * - ww: the writer of each element → the writer of the next;
 * - wr: the writer of a read's last element → the reader;
 * - rw: the reader → the writer of the element right after what it read.
 *
 * Anomalies that need no cycle are found on the way: a read that is no prefix of the order
 * (`incompatible-order`), a value appended twice (`duplicate-appends`) or read twice in one
 * list (`duplicate-elements`), a value nobody appended (`garbage-read`), a read of a failed
 * transaction's append (G1a), a read ending in a transaction's intermediate state (G1b), a
 * transaction that contradicts itself (`internal`), and an acknowledged append missing where
 * it must be: a transaction read a list and appended to it, yet another read extends that
 * list with something else and never shows the append (`lost-append`, a lost update).
 */
import type { Anomaly } from '../check-result.ts';
import { showValue, valueKey } from '../values.ts';
import { DependencyGraph } from './dependency-graph.ts';
import { transactionData, txnName } from './explain.ts';
import type { Transaction } from './transaction.ts';

/** A graph and the anomalies found without cycles. */
export interface TransactionalAnalysis {
  graph: DependencyGraph;
  anomalies: Anomaly[];
}

interface Writer {
  txn: Transaction;
  /** Whether this is the transaction's last append to the key. */
  final: boolean;
}

interface Read {
  txn: Transaction;
  list: unknown[];
  /** The first access of the key in its transaction: it shows the state before the transaction. */
  external: boolean;
  /** For an external read followed by the transaction's own append to the key: that value. */
  nextOwn?: unknown;
}

/** Analyses a list-append history. */
export function analyzeListAppend(txns: readonly Transaction[]): TransactionalAnalysis {
  const anomalies: Anomaly[] = [];
  const writers = new Map<string, Map<unknown, Writer>>();
  const failed = new Map<string, Map<unknown, Transaction>>();
  const reads = new Map<string, Read[]>();
  const keys = new Map<string, unknown>();

  for (const txn of txns) {
    if (txn.type === 'fail') {
      for (const op of txn.ops) if (op.f === 'append') mapOf(failed, op.k).set(elementKey(op.value), txn);
      continue;
    }
    recordAppends(txn, writers, keys, anomalies);
    if (txn.type === 'ok') recordReads(txn, reads, keys, anomalies);
  }

  const graph = new DependencyGraph(txns.length);
  for (const [k, keyReads] of reads) {
    const key = keys.get(k);
    const order = versionOrder(key, keyReads, anomalies);
    const byValue = writers.get(k) ?? new Map<unknown, Writer>();
    const failedByValue = failed.get(k) ?? new Map<unknown, Transaction>();
    checkElements(key, order, byValue, failedByValue, keyReads, anomalies);
    addEdges(graph, key, order, byValue, keyReads, anomalies);
  }
  return { graph, anomalies };
}

/** Records each committed or indeterminate append's writer; a value appended twice is an anomaly. */
function recordAppends(txn: Transaction, writers: Map<string, Map<unknown, Writer>>, keys: Map<string, unknown>, anomalies: Anomaly[]): void {
  const last = new Map<string, number>();
  txn.ops.forEach((op, i) => {
    if (op.f === 'append') last.set(op.k, i);
  });
  txn.ops.forEach((op, i) => {
    if (op.f !== 'append') return;
    keys.set(op.k, op.key);
    const byValue = mapOf(writers, op.k);
    const value = elementKey(op.value);
    const other = byValue.get(value);
    if (other !== undefined) {
      anomalies.push({
        type: 'duplicate-appends',
        explanation: `${showValue(op.value)} was appended to ${showValue(op.key)} twice, by ${txnName(other.txn)} and ${txnName(txn)}; list-append needs unique values to infer the order`,
        key: op.key,
        value: op.value,
        transactions: [transactionData(other.txn), transactionData(txn)],
      });
      return;
    }
    byValue.set(value, { txn, final: last.get(op.k) === i });
  });
}

/** Collects a committed transaction's reads and checks them against its own earlier micro-ops. */
function recordReads(txn: Transaction, reads: Map<string, Read[]>, keys: Map<string, unknown>, anomalies: Anomaly[]): void {
  const seen = new Map<string, { known: unknown[] | null; own: unknown[] }>();
  for (const op of txn.ops) {
    const before = seen.get(op.k);
    if (op.f === 'append') {
      const firstSinceRead = before !== undefined && before.own.length === 0;
      if (before === undefined) seen.set(op.k, { known: null, own: [op.value] });
      else {
        before.known?.push(op.value);
        before.own.push(op.value);
      }
      const read = reads.get(op.k)?.at(-1);
      if (firstSinceRead && read !== undefined && read.txn === txn && read.external) read.nextOwn = op.value;
      continue;
    }
    keys.set(op.k, op.key);
    const list = (op.value ?? []) as unknown[];
    if (before !== undefined) {
      const expected = before.known ?? null;
      const consistent = expected !== null ? sameList(list, expected) : endsWith(list, before.own);
      if (!consistent) {
        anomalies.push({
          type: 'internal',
          explanation: `${txnName(txn)} read ${showValue(op.key)} = ${showValue(list)}, but its own earlier micro-ops imply ${
            expected !== null ? showValue(expected) : `a list ending in ${showValue(before.own)}`
          }`,
          key: op.key,
          read: list,
          expected: expected ?? { endsWith: before.own },
          transactions: [transactionData(txn)],
        });
        continue;
      }
    }
    mapOf(reads, op.k, () => [] as Read[]).push({ txn, list, external: before === undefined });
    seen.set(op.k, { known: [...list], own: [] });
  }
}

/** The key's version order: its longest read. Reads that are no prefix of it are anomalies. */
function versionOrder(key: unknown, keyReads: Read[], anomalies: Anomaly[]): unknown[] {
  let longest = keyReads[0]!;
  for (const read of keyReads) if (read.list.length > longest.list.length) longest = read;
  const order = longest.list;
  const orderKeys = order.map(elementKey);
  for (const read of keyReads) {
    if (read === longest) continue;
    let prefix = true;
    for (let i = 0; i < read.list.length; i++) {
      if (elementKey(read.list[i]) !== orderKeys[i]) {
        prefix = false;
        break;
      }
    }
    if (!prefix) {
      anomalies.push({
        type: 'incompatible-order',
        explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(read.list)} and ${txnName(longest.txn)} read ${showValue(order)}: no single order of appends gives both`,
        key,
        reads: [read.list, order],
        transactions: [transactionData(read.txn), transactionData(longest.txn)],
      });
      read.list = []; // keep no edges from a read that fits no order
      read.external = false;
    }
  }
  return order;
}

/** Duplicates within the order, values nobody appended, and reads of failed appends (G1a). */
function checkElements(
  key: unknown,
  order: unknown[],
  byValue: Map<unknown, Writer>,
  failedByValue: Map<unknown, Transaction>,
  keyReads: Read[],
  anomalies: Anomaly[],
): void {
  const seen = new Set<unknown>();
  let firstAborted = -1;
  for (let i = 0; i < order.length; i++) {
    const value = elementKey(order[i]);
    if (seen.has(value)) {
      anomalies.push({
        type: 'duplicate-elements',
        explanation: `a read of ${showValue(key)} shows ${showValue(order[i])} twice: ${showValue(order)}`,
        key,
        value: order[i],
        read: order,
      });
    }
    seen.add(value);
    if (byValue.has(value)) continue;
    const aborted = failedByValue.get(value);
    if (aborted !== undefined) {
      if (firstAborted === -1) firstAborted = i;
      continue;
    }
    anomalies.push({
      type: 'garbage-read',
      explanation: `a read of ${showValue(key)} shows ${showValue(order[i])}, which no transaction appended`,
      key,
      value: order[i],
    });
  }
  if (firstAborted === -1) return;
  const reported = new Set<Transaction>();
  for (const read of keyReads) {
    for (let i = firstAborted; i < read.list.length; i++) {
      const writer = failedByValue.get(elementKey(read.list[i]));
      if (writer === undefined || reported.has(read.txn)) continue;
      reported.add(read.txn);
      anomalies.push({
        type: 'G1a',
        explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(read.list)}, which includes ${showValue(read.list[i])}, appended by ${txnName(writer)}, which failed (aborted read)`,
        key,
        value: read.list[i],
        transactions: [transactionData(read.txn), transactionData(writer)],
      });
    }
  }
}

/** ww, wr and rw edges from the order; G1b and lost appends found on the way. */
function addEdges(graph: DependencyGraph, key: unknown, order: unknown[], byValue: Map<unknown, Writer>, keyReads: Read[], anomalies: Anomaly[]): void {
  let previous: Writer | undefined;
  let previousValue: unknown;
  for (const value of order) {
    const writer = byValue.get(elementKey(value));
    if (writer !== undefined && previous !== undefined)
      graph.add(previous.txn.index, writer.txn.index, 'ww', { key, fromValue: previousValue, toValue: value });
    previous = writer;
    previousValue = value;
  }
  const inOrder = new Set(order.map(elementKey));
  // A committed append no read shows has no place in the order, so the edges above never reach
  // it; yet a read without it was serialized before it (lists only grow). The longest reads say
  // so directly, and every shorter read through the order's edges to them.
  for (const [value, writer] of byValue) {
    if (writer.txn.type !== 'ok' || inOrder.has(value)) continue;
    for (const read of keyReads)
      if (read.external && read.list.length === order.length && read.txn !== writer.txn)
        graph.add(read.txn.index, writer.txn.index, 'rw', { key, fromValue: read.list, toValue: value });
  }
  for (const read of keyReads) {
    if (!read.external) continue;
    const list = read.list;
    if (list.length > 0) {
      const last = list[list.length - 1];
      const writer = byValue.get(elementKey(last));
      if (writer !== undefined && writer.txn !== read.txn) {
        graph.add(writer.txn.index, read.txn.index, 'wr', { key, fromValue: last, toValue: list });
        if (!writer.final) {
          anomalies.push({
            type: 'G1b',
            explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(list)}, ending in ${showValue(last)}, an intermediate append of ${txnName(writer.txn)}, which appended more to ${showValue(key)} later (intermediate read)`,
            key,
            value: last,
            transactions: [transactionData(read.txn), transactionData(writer.txn)],
          });
        }
      }
    }
    if (list.length < order.length) {
      const next = order[list.length];
      const writer = byValue.get(elementKey(next));
      if (writer !== undefined) graph.add(read.txn.index, writer.txn.index, 'rw', { key, fromValue: list, toValue: next });
      if (read.nextOwn !== undefined && !inOrder.has(elementKey(read.nextOwn))) {
        anomalies.push({
          type: 'lost-append',
          explanation: `${txnName(read.txn)} read ${showValue(key)} = ${showValue(list)} and appended ${showValue(read.nextOwn)}, but ${showValue(key)} went on as ${showValue(order)}: the acknowledged append is lost (lost update)`,
          key,
          value: read.nextOwn,
          order,
          transactions: [transactionData(read.txn)],
        });
      }
    }
  }
}

/** A map's entry, created empty on first use. */
function mapOf<V>(outer: Map<string, V>, k: string, create?: () => V): V {
  let inner = outer.get(k);
  if (inner === undefined) {
    inner = create === undefined ? (new Map() as V) : create();
    outer.set(k, inner);
  }
  return inner;
}

/** Numbers and strings compare as themselves; anything else by its JSON. */
function elementKey(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'string' ? value : valueKey(value);
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => elementKey(v) === elementKey(b[i]));
}

function endsWith(list: readonly unknown[], suffix: readonly unknown[]): boolean {
  if (suffix.length > list.length) return false;
  const offset = list.length - suffix.length;
  return suffix.every((v, i) => elementKey(v) === elementKey(list[offset + i]));
}
