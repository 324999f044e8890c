/**
 * Stall: a fault aimed at one step of a request. Armed by an `inject` named `stall` with
 * `{ ms, on, key? }`, it makes the node handle its next database answer to a query of kind
 * `on` (`read`, `write`...) — of `key`, if given — `ms` late, with everything that follows
 * from it. That is a request thread descheduled, or stopped by a GC pause, right after its
 * query returned: the slow reader (or writer) of every stale-cache race, at the one step
 * where slowness matters. Other requests on the node go on as usual.
 *
 * The owner wraps the callback of each database answer with `wrap`, arms it from its
 * `onInject`, and forwards its timers (`onTimer` returns true for the stall's own).
 */
import type { InjectFault, NodeContext } from '../../../engine/index.ts';

/** The tag of a stall's timer (the owner's timer type includes it). */
export interface StallTimer {
  stalled: number;
}

export class Stall {
  private ms = 0;
  private on = 'read';
  private key: string | null = null;
  private readonly waiting = new Map<number, () => void>();
  private nextId = 0;

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: any message type; the stall only sets timers.
    private readonly ctx: NodeContext<any>,
  ) {}

  /** Arms the stall from an `inject` fault; false if the fault is not a stall. */
  arm(fault: InjectFault): boolean {
    if (fault.name !== 'stall') return false;
    this.ms = Number(fault.args?.ms ?? 100);
    this.on = String(fault.args?.on ?? 'read');
    this.key = fault.args?.key === undefined ? null : String(fault.args.key);
    return true;
  }

  /** Runs `then` now, or `ms` later if this is the answer the stall is armed for (which disarms it). */
  after(op: string, key: string | undefined, then: () => void): void {
    if (this.ms <= 0 || op !== this.on || (this.key !== null && key !== this.key)) return then();
    const ms = this.ms;
    this.ms = 0;
    const id = ++this.nextId;
    this.waiting.set(id, then);
    this.ctx.setTimer(ms, { stalled: id } satisfies StallTimer);
    this.ctx.note(() => `${this.ctx.name} stalls for ${ms} ms right after the database answered its ${op}${key === undefined ? '' : ` of ${key}`}`, 'key');
  }

  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'object' || tag === null || !('stalled' in tag)) return false;
    const id = (tag as StallTimer).stalled;
    const then = this.waiting.get(id);
    this.waiting.delete(id);
    then?.();
    return true;
  }
}
