/**
 * Turns one record read from a file (an EDN map or a JSON object) into an `Operation`,
 * checking each field where it enters: a process, a type among invoke/ok/fail/info, a
 * function name. EDN and faultline's JSON share this so that both refuse the same mistakes
 * with the same words. Jepsen's `:time` is in nanoseconds; faultline's `timeMs` in ms.
 */
import { OPERATION_TYPES, type Operation, type OperationType } from '../history.ts';
import { HistoryParseError, quote } from './history-parse-error.ts';

/** Where the record started in its source. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** How the record spells its time. */
export type TimeField = { name: 'time'; perMs: 1e6 } | { name: 'timeMs'; perMs: 1 };

/** Builds an Operation from a record; throws HistoryParseError naming the field at fault. */
export function operationFromRecord(record: unknown, at: SourcePosition, time: TimeField, example: string): Operation {
  const refuse = (expected: string, found?: unknown): never => {
    throw new HistoryParseError(expected, at.line, at.column, found === undefined ? undefined : quote(JSON.stringify(found) ?? String(found)));
  };
  if (record === null || typeof record !== 'object' || Array.isArray(record)) refuse(`an operation such as ${example}`, record);
  const r = record as Record<string, unknown>;
  const type = r.type;
  if (typeof type !== 'string' || !OPERATION_TYPES.includes(type as OperationType)) {
    refuse(`a type of ${OPERATION_TYPES.join(', ')} in the operation`, type ?? 'no type');
  }
  const process = r.process;
  if (!(typeof process === 'string' || (typeof process === 'number' && Number.isFinite(process)))) {
    refuse('a process (a number or a name) in the operation', process ?? 'no process');
  }
  const f = r.f;
  if (typeof f !== 'string' || f === '') refuse('a function name (f) in the operation', f ?? 'no f');
  const op: Operation = { process: process as string | number, type: type as OperationType, f: f as string, value: r.value ?? null };
  if (at.line > 0) op.line = at.line;
  const t = r[time.name];
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || !Number.isFinite(t)) refuse(`a number for ${time.name}`, t);
    op.timeMs = (t as number) / time.perMs;
  }
  const index = r.index;
  if (index !== undefined && index !== null) {
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) refuse('a non-negative integer index', index);
    op.index = index as number;
  }
  return op;
}
