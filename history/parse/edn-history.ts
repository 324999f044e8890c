/**
 * Jepsen and Elle histories in EDN: one operation map per line (`history.edn`), or one
 * vector (or list) of maps, as Elle's tests and `jepsen.history` write them. Records printed
 * as `#jepsen.history.Op{...}` read as their maps. Operations of the nemesis (Jepsen's fault
 * injector, process `:nemesis`) are not client operations and are left out.
 */
import type { History, Operation } from '../history.ts';
import { type EdnForm, EdnReader } from './edn-reader.ts';
import { HistoryParseError } from './history-parse-error.ts';
import { operationFromRecord } from './operation-record.ts';

const EXAMPLE = '{:type :invoke, :process 0, :f :read, :value nil}';

/** Parses an EDN history. Throws HistoryParseError with the line of the first bad form. */
export function parseEdnHistory(text: string): History {
  const operations: Operation[] = [];
  let forms = 0;
  const add = (form: EdnForm) => {
    forms++;
    const op = operationFromRecord(form.value, form, { name: 'time', perMs: 1e6 }, EXAMPLE);
    if (op.process !== 'nemesis') operations.push(op);
  };
  const reader = new EdnReader(text);
  if (reader.startsWithSequence()) reader.forEachInSequence(add);
  else reader.forEach(add);
  if (forms === 0 && text.trim() === '') throw new HistoryParseError(`EDN operation maps such as ${EXAMPLE}`, 1, 1, 'an empty file');
  return { operations };
}

/**
 * Writes a history as EDN, one operation map per line, for Elle and Knossos. Function names
 * and types are keywords, and so is the function of each micro-op of a transaction
 * (`[:append "x" 1]`); other strings stay strings. `timeMs` becomes Jepsen's `:time` in ns.
 */
export function formatHistoryEdn(history: History): string {
  const lines = history.operations.map((op, i) => {
    const fields = [
      `:index ${op.index ?? i}`,
      `:type :${op.type}`,
      `:process ${edn(op.process)}`,
      `:f :${op.f}`,
      `:value ${op.f === 'txn' ? ednTxn(op.value) : edn(op.value)}`,
    ];
    if (op.timeMs !== undefined) fields.push(`:time ${Math.round(op.timeMs * 1e6)}`);
    return `{${fields.join(', ')}}`;
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function ednTxn(value: unknown): string {
  if (!Array.isArray(value)) return edn(value);
  return `[${value.map((mop) => (Array.isArray(mop) && typeof mop[0] === 'string' ? `[:${mop[0]} ${mop.slice(1).map(edn).join(' ')}]` : edn(mop))).join(' ')}]`;
}

function edn(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(edn).join(' ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `:${k} ${edn(v)}`);
  return `{${entries.join(', ')}}`;
}
