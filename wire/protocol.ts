/**
 * The wire protocol between the server and the page: the body of `POST /api/runs`, the run
 * summary it answers with, and the frames of the `/ws` stream, each a zod schema with its
 * type. The page imports this file for the types and for the client frames it sends, so
 * both ends agree by construction. Everything here is plain JSON and free of Node APIs.
 *
 * Stream model: a session plays one or two runs (two = compare mode) on one simulated-time
 * playhead. The server sends each run's trace events with `t <= playhead` in batches, and
 * only while the socket's buffered amount is below its high-water mark: a page that reads
 * slowly holds its own playhead back and costs the server nothing more.
 *
 * A run may still be computing when its session opens (`POST /api/runs` with `Prefer:
 * respond-async` answers 202 with the run's preview before it runs): the session then starts
 * with a `preview` frame (what is known before the first event: nodes, charts, faults, the
 * planned end), streams the events computed so far with `progress` frames saying how far the
 * computation has got (the playhead never passes it), and sends `ready`, with the runs'
 * summaries (verdicts, metrics, stats), when every run is complete.
 */
import { z } from 'zod';
import type { TraceEvent } from '../engine/index.ts';
import type { ChartSpec, TopologyNode } from '../scenarios/index.ts';
import type { RunHistory } from './run-history.ts';
import type { RunOutcome } from './run-summary.ts';

// ------------------------------------------------------------------ HTTP: POST /api/runs

const id = z.string().min(1).max(64);

/** `POST /api/runs`: one run to execute. `faults` and `preset` exclude each other; neither means the scenario's default preset. */
export const RunRequestSchema = z
  .object({
    scenario: id.describe('a scenario id from GET /api/scenarios'),
    strategy: id.optional().describe("one of the scenario's strategy ids (default: its default strategy)"),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('a non-negative integer (default: the server picks one)'),
    params: z.record(z.string(), z.unknown()).optional().describe("the scenario's parameters; defaults fill the rest"),
    faults: z.array(z.unknown()).max(10_000).optional().describe('a fault plan: a JSON array of faults'),
    preset: id.optional().describe("one of the scenario's preset ids"),
  })
  .strict();
export type RunRequestBody = z.infer<typeof RunRequestSchema>;

/** A JSON error body: `field` names the offending part of the request when there is one. */
export interface ApiError {
  error: string;
  message: string;
  field?: string;
}

/** What a run's trace contains, known before a single event is streamed (axes and legends are fixed up front). */
export interface TraceStats {
  /** ctx.state labels; `key` when a 'key' note is made by the same node at the same moment. */
  states: { label: string; count: number; key: boolean }[];
  /** Message kinds (the `type` field of each message), by first appearance. */
  messageTypes: { type: string; count: number }[];
  /** Metric time series: points and range. */
  series: { name: string; points: number; min: number; max: number }[];
  /** Width of the buckets the page counts traffic in, and the busiest bucket's counts. */
  bucketMs: number;
  sentPerBucketMax: number;
  droppedPerBucketMax: number;
  /** The longest time any message spent in flight, in ms. */
  flightMsMax: number;
}

/** Everything about one finished run except its events. */
export interface RunSummary extends RunOutcome {
  /** Server-assigned id (absent for a run made in the page). */
  id?: string;
  /** The nodes with their roles, at this run's parameters. */
  topology: TopologyNode[];
  charts: ChartSpec[];
  stats: TraceStats;
  /**
   * The clients' history, for the history view: operations (capped), and the anomalies of each
   * claim the run found violated. Null when the run recorded none (absent in a preview's provisional summary).
   */
  history?: RunHistory | null;
}

/**
 * What is known of a run before its first event — enough to lay out every view: the run's
 * inputs, its nodes and charts at those parameters, and when it is planned to end (a run
 * stopped by a bound ends earlier: its summary says when).
 */
export interface RunPreview {
  /** Server-assigned id (absent for a run made in the page). */
  id?: string;
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: RunOutcome['faults'];
  workloadMs: number;
  healAtMs: number;
  /** healAtMs plus the scenario's settle time: where the run stops unless a bound stops it first. */
  endMs: number;
  topology: TopologyNode[];
  charts: ChartSpec[];
}

/**
 * A slice of a run's trace as it is computed: events `from` .. `from + times.length - 1`,
 * serialized once (JSON objects joined by ','), with each event's start in `json` (and
 * `json.length + 1` after the last) and its time.
 */
export interface EventBatch {
  from: number;
  json: string;
  offsets: Float64Array;
  times: Float64Array;
}

/** The first event at which two runs' traces differ (null: identical). */
export interface Divergence {
  index: number;
  t: number;
  a: TraceEvent | null;
  b: TraceEvent | null;
}

// ------------------------------------------------------------------ ws: page -> server

/** Simulated milliseconds played per wall-clock second. */
export const SPEED_MIN = 0.001;
export const SPEED_MAX = 10_000_000;

export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('open'), runs: z.array(z.string().min(1).max(64)).min(1).max(2) }).strict(),
  z.object({ type: z.literal('play') }).strict(),
  z.object({ type: z.literal('pause') }).strict(),
  z.object({ type: z.literal('step') }).strict(),
  z.object({ type: z.literal('speed'), simMsPerSec: z.number().min(SPEED_MIN).max(SPEED_MAX) }).strict(),
  z.object({ type: z.literal('seek'), t: z.number().min(0).max(1e12) }).strict(),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export const CLIENT_FRAME_TYPES = ['open', 'play', 'pause', 'step', 'speed', 'seek'] as const;

// ------------------------------------------------------------------ ws: server -> page

/** The runs of the session, complete: their summaries, common end time and, for two runs, where they first differ. Sent after `open`, or after `preview` once every run is computed. */
export interface ReadyFrame {
  type: 'ready';
  runs: RunSummary[];
  endMs: number;
  divergence: Divergence | null;
}

/** After `open`, when a run is still computing: what the page needs to lay out the views before the first event. */
export interface PreviewFrame {
  type: 'preview';
  runs: RunPreview[];
  /** The latest planned end of the runs. */
  endMs: number;
}

/**
 * How far the computation of run `run` has got: `events` trace events so far, the last at
 * `tMs`; `queued` while it waits for a thread. Sent as events are computed, and once more
 * (with `done`) when the run is complete; `ready` follows when every run is.
 */
export interface ProgressFrame {
  type: 'progress';
  run: number;
  events: number;
  tMs: number;
  queued: boolean;
  done: boolean;
}

/** Events `from` .. `from + events.length - 1` of run `run` (0 or 1), in trace order. */
export interface EventsFrame {
  type: 'events';
  run: number;
  from: number;
  events: TraceEvent[];
}

/** Where the playhead is: every event with time <= t has been sent (per run: `sent` events). */
export interface CursorFrame {
  type: 'cursor';
  t: number;
  playing: boolean;
  simMsPerSec: number;
  sent: number[];
  /** The playhead reached the end of every run. */
  done: boolean;
}

export interface ErrorFrame {
  type: 'error';
  message: string;
}

export type ServerFrame = ReadyFrame | PreviewFrame | ProgressFrame | EventsFrame | CursorFrame | ErrorFrame;

/** Light validation of a server frame's envelope (the page trusts its own server's events). */
export const ServerFrameEnvelopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), runs: z.array(z.record(z.string(), z.unknown())).min(1).max(2), endMs: z.number(), divergence: z.unknown() }),
  z.object({ type: z.literal('preview'), runs: z.array(z.record(z.string(), z.unknown())).min(1).max(2), endMs: z.number() }),
  z.object({
    type: z.literal('progress'),
    run: z.number().int().min(0).max(1),
    events: z.number().int().min(0),
    tMs: z.number(),
    queued: z.boolean(),
    done: z.boolean(),
  }),
  z.object({ type: z.literal('events'), run: z.number().int().min(0).max(1), from: z.number().int().min(0), events: z.array(z.unknown()) }),
  z.object({
    type: z.literal('cursor'),
    t: z.number(),
    playing: z.boolean(),
    simMsPerSec: z.number(),
    sent: z.array(z.number()),
    done: z.boolean(),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

/** Formats a zod error as one line that names each field and what it expects. */
export function describeIssues(error: z.ZodError, root: string): { field: string; message: string } {
  const first = error.issues[0];
  const pathOf = (issue: z.core.$ZodIssue): string =>
    issue.path.length === 0 ? root : issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  const message = error.issues
    .slice(0, 5)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `${pathOf(issue)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      return `${pathOf(issue)}: ${issue.message}`;
    })
    .join('; ');
  return { field: first === undefined ? root : first.code === 'unrecognized_keys' ? (first.keys[0] ?? root) : pathOf(first), message };
}
