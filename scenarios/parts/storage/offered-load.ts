/**
 * OfferedLoad: how much work a strategy offers each server, judged against what the server
 * could do at its nominal speed. Each request is charged to its server with the moment the
 * workload made it (true time); `overloads()` then replays every server's requests in that
 * order through a virtual queue that serves one request per `serviceMs`, and reports each
 * server whose virtual backlog passed `backlogMax`: it was offered more than it can serve.
 *
 * Why a virtual queue and not the server's real one: the real queue also grows when a fault
 * slows the server down, pauses it, or holds its requests in the network and delivers them in
 * a burst, and a request can reach it long after the user made it (a paused app server
 * forwards a backlog at once). Those are the faults' doing. What a placement or a hot-key
 * strategy decides is how the work is spread, and that is what this measures: the same
 * requests, at the times the users made them, on servers running at their nominal speed.
 * (The real queues still drive the nodes' `overloaded` state and the latency users see.)
 *
 * Cost: O(1) per request while the run goes, one sort per server at the end.
 */
import { assert } from '../../../engine/index.ts';

export interface OverloadReport {
  server: number;
  /** The virtual backlog when it first passed the limit. */
  backlog: number;
  /** When the request that pushed it past the limit was made (true time). */
  atMs: number;
}

export class OfferedLoad {
  /** Per server, when each request charged to it was made. */
  private readonly madeAtMs: number[][];

  constructor(
    servers: number,
    private readonly serviceMs: number,
    private readonly backlogMax: number,
  ) {
    assert(Number.isInteger(servers) && servers >= 1, 'at least one server');
    assert(serviceMs > 0, 'serviceMs is positive');
    this.madeAtMs = Array.from({ length: servers }, () => []);
  }

  /** Charges one request made at `atMs` (true time) to `server` (an index below `servers`). */
  charge(server: number, atMs: number): void {
    this.madeAtMs[server]!.push(atMs);
  }

  /** Requests charged to `server` so far. */
  offeredTo(server: number): number {
    return this.madeAtMs[server]!.length;
  }

  /** Every server whose virtual queue passed the limit, with the first moment it did; and the deepest virtual backlog. */
  overloads(): { reports: OverloadReport[]; peakBacklog: number } {
    const reports: OverloadReport[] = [];
    let peakBacklog = 0;
    this.madeAtMs.forEach((times, server) => {
      const sorted = Float64Array.from(times).sort();
      let busyUntil = 0;
      let reported = false;
      for (const t of sorted) {
        busyUntil = Math.max(busyUntil, t) + this.serviceMs;
        const backlog = Math.ceil((busyUntil - t) / this.serviceMs - 1e-9);
        if (backlog > peakBacklog) peakBacklog = backlog;
        if (!reported && backlog > this.backlogMax) {
          reported = true;
          reports.push({ server, backlog, atMs: t });
        }
      }
    });
    return { reports, peakBacklog };
  }

  /** The most requests per second offered to any one server over a window of `windowMs` (windows aligned at 0). */
  peakPerSec(windowMs: number): number {
    let peak = 0;
    for (const times of this.madeAtMs) {
      const counts = new Map<number, number>();
      for (const t of times) {
        const w = Math.floor(t / windowMs);
        const n = (counts.get(w) ?? 0) + 1;
        counts.set(w, n);
        if (n > peak) peak = n;
      }
    }
    return (peak * 1000) / windowMs;
  }
}
