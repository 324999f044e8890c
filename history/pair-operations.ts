/**
 * Pairs each invocation with its completion by process, as Jepsen does: a process has at
 * most one operation open at a time, and its next completion completes it. An `info`
 * completion leaves the operation open-ended (it may take effect at any later time, so its
 * completion is put at +infinity), and so does an invocation never completed.
 *
 * A completion with no open invocation, or a second invocation while one is open, is not a
 * history: refused with the line and what was expected, never guessed around.
 */
import type { History, Operation, PairedOperation, Process } from './history.ts';
import { HistoryParseError } from './parse/history-parse-error.ts';

/** The paired operations of a history, in order of invocation. */
export function pairOperations(history: History): PairedOperation[] {
  const paired: PairedOperation[] = [];
  const open = new Map<Process, PairedOperation>();
  const ops = history.operations;
  for (let position = 0; position < ops.length; position++) {
    const op = ops[position]!;
    const pending = open.get(op.process);
    if (op.type === 'invoke') {
      if (pending !== undefined) {
        refuse(
          op,
          position,
          `a completion of process ${show(op.process)}'s open :${pending.f} (invoked at position ${pending.invokePosition}) before it invokes again`,
        );
      }
      const entry: PairedOperation = {
        id: paired.length,
        process: op.process,
        f: op.f,
        type: 'info',
        invokeValue: op.value,
        completeValue: undefined,
        invokePosition: position,
        completePosition: Number.POSITIVE_INFINITY,
        name: op.index ?? position,
      };
      if (op.timeMs !== undefined) entry.invokeTimeMs = op.timeMs;
      if (op.line !== undefined) entry.line = op.line;
      paired.push(entry);
      open.set(op.process, entry);
      continue;
    }
    if (pending === undefined) refuse(op, position, `an :invoke by process ${show(op.process)} before this :${op.type}`);
    if (pending.f !== op.f) refuse(op, position, `a completion of :${pending.f} (process ${show(op.process)} invoked :${pending.f}), not of :${op.f}`);
    open.delete(op.process);
    pending.type = op.type;
    pending.completeValue = op.value;
    if (op.type === 'info') pending.infoPosition = position;
    else pending.completePosition = position;
    if (op.timeMs !== undefined) pending.completeTimeMs = op.timeMs;
  }
  return paired;
}

function refuse(op: Operation, position: number, expected: string): never {
  throw new HistoryParseError(expected, op.line ?? position + 1, 1, `:${op.type} :${op.f} by process ${show(op.process)}`);
}

const show = (process: Process): string => (typeof process === 'number' ? String(process) : JSON.stringify(process));
