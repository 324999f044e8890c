/**
 * The errors a run can end with. Simulated failures (a dropped message, a crashed node) are
 * trace events, not exceptions; these are the outcomes that are not: a bound was hit, a
 * handler threw, the input (a fault plan, an option) was invalid, or the kernel was misused.
 */
import { AssertionError } from './assert.ts';

/** Which bound a runaway run hit. */
export type BoundName = 'eventsMax' | 'timeMaxMs';

/** A run stopped because it reached one of its bounds: it did not finish on its own. */
export class BoundExceededError extends Error {
  override name = 'BoundExceededError';
  constructor(
    readonly bound: BoundName,
    readonly limit: number,
    readonly timeMs: number,
    readonly events: number,
  ) {
    super(
      bound === 'eventsMax'
        ? `run stopped at its bound eventsMax=${limit}: ${events} events processed by t=${timeMs.toFixed(3)} ms without finishing (a runaway scenario, or raise eventsMax)`
        : `run stopped at its bound timeMaxMs=${limit}: simulated time reached ${timeMs.toFixed(3)} ms with events still pending (a runaway scenario, or raise timeMaxMs)`,
    );
  }
}

/** A node's handler (or a scheduled callback) threw: reported with the time, node and event. */
export class HandlerError extends Error {
  override name = 'HandlerError';
  constructor(
    readonly timeMs: number,
    readonly node: string | null,
    readonly event: string,
    override readonly cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`handler threw at t=${timeMs.toFixed(3)} ms on ${node ?? 'the simulation'} while handling ${event}: ${why}`);
  }
}

/** User input the simulation cannot accept (a malformed fault plan, an unknown node). */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Thrown by a crash point that fires: it unwinds the node's handler at that exact line, as
 * a process crash would, and the kernel catches it. Never caught by scenario code. Not an
 * Error on purpose: it is control flow, always caught, and capturing a stack trace for it
 * cost a measurable share of a property check.
 */
export class CrashSignal {
  readonly name = 'CrashSignal';
  constructor(
    readonly node: string,
    readonly point: string,
  ) {}

  get message(): string {
    return `${this.node} crashed at its '${this.point}' point`;
  }
}

/**
 * The kernel's API was used in a way that cannot mean anything (a send to a node that does not
 * exist, a timer in the past, a call after the simulation ended): a bug in the scenario, never
 * a simulated failure. The message names the call, the node and the simulated time.
 */
export class MisuseError extends AssertionError {
  override name = 'MisuseError';
  constructor(
    readonly call: string,
    readonly node: string | null,
    readonly timeMs: number,
    why: string,
  ) {
    super(`${call}${node === null ? '' : ` on ${node}`} at t=${timeMs} ms: ${why}`);
  }
}
