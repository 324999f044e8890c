/**
 * What runs cost, learned from the runs themselves: trace events by scenario, strategy and
 * parameters (the seed and the fault plan move a run's size a little, the parameters a lot).
 * Admission charges a run its estimate from here; a run never seen has none and starts in
 * the light lane on a small budget (admission.ts), which teaches the book either way.
 *
 * Why learned and not computed: scenarios declare no cost model, their parameters interact
 * (requests per second × workload length × keys), and a prefix of the run itself would have
 * to build the scenario first — up to a second of the request thread for the largest
 * parameters, on a thread that must stay free. A run's own size, once known, predicts the
 * next one with the same parameters to within a few percent.
 *
 * Bounded: the least recently used signatures are forgotten past `entriesMax`.
 */

export class CostBook {
  private readonly costs = new Map<string, number>();

  constructor(private readonly entriesMax = 4096) {}

  /** The key runs are priced by. */
  static signature(scenario: string, strategy: string, params: Record<string, unknown>): string {
    return `${scenario}\u0000${strategy}\u0000${canonical(params)}`;
  }

  /** Trace events a run with this signature made last time, or undefined. */
  estimate(signature: string): number | undefined {
    const cost = this.costs.get(signature);
    if (cost !== undefined) {
      this.costs.delete(signature);
      this.costs.set(signature, cost);
    }
    return cost;
  }

  /** Records what a run cost (or at least cost, when it was stopped). */
  learn(signature: string, traceEvents: number): void {
    if (!(traceEvents >= 0)) throw new Error(`CostBook.learn: traceEvents must be a number >= 0, got ${traceEvents}`);
    this.costs.delete(signature);
    this.costs.set(signature, traceEvents);
    if (this.costs.size > this.entriesMax) this.costs.delete(this.costs.keys().next().value!);
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
