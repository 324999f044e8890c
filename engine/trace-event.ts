/**
 * The trace event types: the one interface between the engine and everything that reads a
 * run (tests, the CLI, the server, the browser). Every field is plain JSON. Times are
 * simulated milliseconds; nodes are named.
 */
import type { Fault } from './faults.ts';

/** Why a message never reached its destination. */
export type DropReason = 'loss' | 'partition' | 'node-down';

/** Narration level: `key` marks the moments a viewer must not miss. */
export type NoteLevel = 'info' | 'key' | 'warn';

export type TraceEvent =
  | { type: 'send'; t: number; id: number; from: string; to: string; msg: unknown }
  | { type: 'deliver'; t: number; id: number; from: string; to: string; msg: unknown }
  | { type: 'drop'; t: number; id: number; from: string; to: string; reason: DropReason; msg: unknown }
  | { type: 'duplicate'; t: number; id: number; from: string; to: string }
  | { type: 'timer'; t: number; node: string; id: number; tag: unknown }
  | { type: 'crash'; t: number; node: string; lostWrites: number }
  | { type: 'restart'; t: number; node: string }
  | { type: 'pause'; t: number; node: string }
  | { type: 'resume'; t: number; node: string }
  | { type: 'slow'; t: number; node: string; factor: number }
  | { type: 'partition'; t: number; fault: Extract<Fault, { kind: 'partition' | 'bridge' }> }
  | { type: 'heal'; t: number }
  | { type: 'degrade'; t: number; fault: Extract<Fault, { kind: 'degrade' }> }
  | { type: 'restore'; t: number }
  | { type: 'inject'; t: number; fault: Extract<Fault, { kind: 'inject' }> }
  | { type: 'state'; t: number; node: string; state: string; detail?: string }
  | { type: 'metric'; t: number; name: string; value: number; node?: string }
  | { type: 'violation'; t: number; invariant: string; message: string; node?: string }
  | { type: 'note'; t: number; text: string; level: NoteLevel; node?: string }
  | { type: 'clock'; t: number; node: string; fault: Extract<Fault, { kind: 'skew' | 'drift' | 'resync' }> };

export type TraceEventType = TraceEvent['type'];

export const TRACE_EVENT_TYPES: readonly TraceEventType[] = [
  'send',
  'deliver',
  'drop',
  'duplicate',
  'timer',
  'crash',
  'restart',
  'pause',
  'resume',
  'slow',
  'partition',
  'heal',
  'degrade',
  'restore',
  'inject',
  'state',
  'metric',
  'violation',
  'note',
  'clock',
];
