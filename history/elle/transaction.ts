/**
 * Transactions as Elle reads them: an operation with `f: txn` whose value is a list of
 * micro-operations, `[:append k v]` / `[:r k [v1 v2]]` for list-append, `[:w k v]` /
 * `[:r k v]` for rw-register. A committed (`ok`) transaction is read from its completion (the
 * reads' results are there); a failed or indeterminate one from its invocation (only its
 * writes matter: a failed transaction's writes must never be seen, an indeterminate one's may).
 */
import type { PairedOperation, Process } from '../history.ts';
import { HistoryParseError } from '../parse/history-parse-error.ts';
import { valueKey } from '../values.ts';

/** A micro-operation: a read or a write (`append` or `w`) of one key. */
export interface MicroOp {
  f: 'r' | 'append' | 'w';
  /** The key as written in the history. */
  key: unknown;
  /** The key's canonical string, for maps. */
  k: string;
  /** Appended or written value; for a read, the value read (a list for list-append; null when not known). */
  value: unknown;
}

/** A transaction of the history. */
export interface Transaction {
  /** Dense index, in order of invocation. */
  index: number;
  /** The history's name for it: `T` + this number (the invocation's index). */
  name: number;
  process: Process;
  type: 'ok' | 'fail' | 'info';
  ops: MicroOp[];
  invokePosition: number;
  /** Infinity when indeterminate. */
  completePosition: number;
  line?: number;
  source: PairedOperation;
}

const FUNCTIONS: Record<'list-append' | 'rw-register', readonly string[]> = {
  'list-append': ['append', 'r'],
  'rw-register': ['w', 'r'],
};

/** Reads the transactions of a paired history; refuses operations that are not transactions of the model. */
export function transactionsOf(paired: readonly PairedOperation[], model: 'list-append' | 'rw-register'): Transaction[] {
  return paired.map((op, index) => {
    const value = op.type === 'ok' ? op.completeValue : op.invokeValue;
    const refuse = (expected: string): never => {
      throw new HistoryParseError(expected, op.line ?? op.invokePosition + 1, 1, `:${op.f} ${JSON.stringify(value)}`);
    };
    if (op.f !== 'txn') refuse(`a :txn operation for model ${model}`);
    if (!Array.isArray(value)) refuse(`a transaction: a vector of micro-ops such as [[:${FUNCTIONS[model][0]} :x 1] [:r :x nil]]`);
    const ops = (value as unknown[]).map((mop) => {
      if (!Array.isArray(mop) || mop.length !== 3 || !FUNCTIONS[model].includes(mop[0] as string)) {
        return refuse(`a micro-op [:${FUNCTIONS[model].join(' | :')} key value] in the transaction, got ${JSON.stringify(mop)}`);
      }
      const [f, key, v] = mop as [MicroOp['f'], unknown, unknown];
      if (model === 'list-append' && f === 'r' && op.type === 'ok' && v !== null && !Array.isArray(v)) {
        refuse(`a list (or nil) as the result of a read in list-append, got ${JSON.stringify(v)}`);
      }
      return { f, key, k: valueKey(key), value: v } satisfies MicroOp;
    });
    const txn: Transaction = {
      index,
      name: op.name,
      process: op.process,
      type: op.type,
      ops,
      invokePosition: op.invokePosition,
      completePosition: op.completePosition,
      source: op,
    };
    if (op.line !== undefined) txn.line = op.line;
    return txn;
  });
}
