/**
 * KeyAuditor: the all-seeing checker of the sharded store, kept apart from the router and
 * the shards. The router reports each request it issues, where it routed it first, each
 * acknowledged write and what each read returned. It judges:
 *
 *  - every read returns the newest acknowledged write of its row, or a later one (no row goes
 *    missing, comes back from the dead, or goes back in time while rows move between shards);
 *  - no shard is offered more work than it can serve (an OfferedLoad: the requests charged at
 *    the moments the users made them, through a virtual queue at the shard's nominal speed, so
 *    a pause or a slowdown of a shard does not count against the placement; judged at the end);
 *  - once the run ends, every acknowledged write is still on some shard's disk: no crash and
 *    no migration lost it or replaced it with an older copy.
 *
 * It also keeps the resharding record: rows stored, rows that changed owner, how long each
 * migration took. Times are true simulated time.
 */
import type { World } from '../framework/scenario.ts';
import { OfferedLoad } from '../parts/storage/offered-load.ts';
import type { Row } from './messages.ts';

export interface ReshardRecord {
  startedAt: number;
  finishedAt: number | null;
  keysStored: number;
  keysMoved: number;
  description: string;
}

interface Issued {
  key: number;
  atMs: number;
  /** For a read: the newest write of the row acknowledged when it was issued (undefined: none, the row exists as loaded). */
  expected: (Row & { atMs: number }) | undefined;
  read: boolean;
}

/**
 * True when `row` (null: no row) is at least as new as the acknowledged write `expected`
 * (undefined: the row as loaded). No row at all is as new only if the row was deleted by then:
 * by that write, or by a deletion issued at least as late (acknowledged or not: a deletion whose
 * answer was lost still deleted the row).
 */
export function showsWrite(row: Row | null, expected: Row | undefined, deletedUpTo = -1): boolean {
  if (row === null) return expected?.deleted === true || deletedUpTo >= (expected?.version ?? 0);
  return row.version >= (expected?.version ?? 0);
}

export class KeyAuditor {
  readonly load: OfferedLoad;
  private readonly shardIndex: Map<string, number>;
  /** The newest acknowledged write of each row (with when it was acknowledged). */
  private readonly acked = new Map<number, Row & { atMs: number }>();
  private readonly issued = new Map<number, Issued>();
  /** The latest deletion issued of each row (its write number), answered or not. */
  private readonly deletions = new Map<number, number>();
  readonly reshards: ReshardRecord[] = [];
  readonly latencyMs: number[] = [];
  readsChecked = 0;
  readsBroken = 0;
  pulls = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly shards: readonly string[],
    serviceMs: number,
    backlogMax: number,
  ) {
    this.shardIndex = new Map(shards.map((name, i) => [name, i]));
    this.load = new OfferedLoad(shards.length, serviceMs, backlogMax);
  }

  /** The router issues request `rid` on row `key` (a read, or a write of `row`; the users made it at `atMs`), first routed to `shard`. */
  requestIssued(rid: number, key: number, row: Row | null, shard: string, atMs: number): void {
    this.issued.set(rid, { key, atMs: this.world.now, expected: row === null ? this.acked.get(key) : undefined, read: row === null });
    if (row?.deleted) this.deletions.set(key, Math.max(row.version, this.deletions.get(key) ?? -1));
    this.load.charge(this.shardIndex.get(shard)!, atMs);
  }

  /** Requests offered to `shard` so far. */
  offeredTo(shard: string): number {
    return this.load.offeredTo(this.shardIndex.get(shard)!);
  }

  writeAcked(rid: number, key: number, row: Row): void {
    const r = this.issued.get(rid);
    if (r === undefined) return;
    this.issued.delete(rid);
    this.latencyMs.push(this.world.now - r.atMs);
    if (row.version > (this.acked.get(key)?.version ?? -1))
      this.acked.set(key, row.deleted ? { version: row.version, deleted: true, atMs: this.world.now } : { version: row.version, atMs: this.world.now });
  }

  readReturned(rid: number, row: Row | null, shard: string): void {
    const r = this.issued.get(rid);
    if (r === undefined) return;
    this.issued.delete(rid);
    this.latencyMs.push(this.world.now - r.atMs);
    this.readsChecked++;
    if (showsWrite(row, r.expected, this.deletions.get(r.key))) return;
    this.readsBroken++;
    const shown = row === null ? 'nothing' : row.deleted ? `the deletion #${row.version}` : `write #${row.version}`;
    const wanted = r.expected === undefined ? 'the row as loaded' : r.expected.deleted ? `deletion #${r.expected.version}` : `write #${r.expected.version}`;
    this.world.violate('reads-see-acknowledged-writes', `a read of row ${r.key} on ${shard} returned ${shown}, but ${wanted} had been acknowledged`, {
      node: shard,
      witnesses: [
        ...(r.expected === undefined ? [] : [{ t: r.expected.atMs, key: String(r.key), what: `${wanted} acknowledged` }]),
        { t: r.atMs, key: String(r.key), what: 'the read was issued' },
      ],
    });
  }

  /** Requests that never got an answer (failed), as the run ends. */
  get unanswered(): number {
    return this.issued.size;
  }

  /** Judges the load offered to every shard over the whole run (an end check). */
  judgeLoad(serviceMs: number): void {
    for (const { server, backlog, atMs } of this.load.overloads().reports) {
      const node = this.shards[server]!;
      this.world.violate(
        'no-overloaded-shard',
        `${node} is offered more than the ${Math.round(1000 / serviceMs)} requests per second it can serve: ${backlog} requests would be queued at its nominal speed`,
        { node, witnesses: [{ t: atMs, node, what: 'the request that pushed its queue past the limit was made' }] },
      );
    }
  }

  /**
   * Judges what the shards' disks hold as the run ends (an end check): `rowOf(key)` is the
   * newest copy of a row on any shard (null: none). Every row with an acknowledged write must
   * still show its newest one, and every row in `touched` (ids or row keys: the loaded rows a
   * shard wrote or let go) its loaded value if it has none. Rows are judged in that order, each once.
   */
  judgeDurability(touched: Iterable<string | number>, rowOf: (key: number) => Row | null): void {
    const lost: { key: number; row: Row | null; expected: (Row & { atMs: number }) | undefined }[] = [];
    const judge = (key: number, expected: (Row & { atMs: number }) | undefined): void => {
      const row = rowOf(key);
      if (!showsWrite(row, expected, this.deletions.get(key))) lost.push({ key, row, expected });
    };
    for (const [key, expected] of this.acked) judge(key, expected);
    for (const k of touched) {
      const key = Number(k);
      if (!this.acked.has(key)) judge(key, undefined);
    }
    if (lost.length === 0) return;
    const what = (l: (typeof lost)[number]): string =>
      `row ${l.key} holds ${l.row === null ? 'nothing' : `#${l.row.version}`} instead of ${l.expected === undefined ? 'its loaded value' : `#${l.expected.version}`}`;
    this.world.violate(
      'no-acknowledged-write-lost',
      `${lost.length} row(s) lost an acknowledged write: ${lost.slice(0, 3).map(what).join('; ')}${lost.length > 3 ? '; ...' : ''}`,
      {
        witnesses: lost
          .slice(0, 3)
          .filter((l) => l.expected !== undefined)
          .map((l) => ({ t: l.expected!.atMs, key: String(l.key), what: `write #${l.expected!.version} acknowledged` })),
      },
    );
  }

  reshardStarted(keysStored: number, keysMoved: number, description: string): void {
    this.reshards.push({ startedAt: this.world.now, finishedAt: null, keysStored, keysMoved, description });
  }

  /** The open resharding finished (one a router crash interrupted before it could report the start counts from its resumption). */
  reshardFinished(): ReshardRecord {
    let r = this.reshards.at(-1);
    if (r === undefined || r.finishedAt !== null) {
      r = { startedAt: this.world.now, finishedAt: null, keysStored: 0, keysMoved: 0, description: 'resumed after a restart' };
      this.reshards.push(r);
    }
    r.finishedAt = this.world.now;
    this.world.reach('resharded');
    return r;
  }

  pulled(): void {
    this.pulls++;
    this.world.reach('key-pulled');
  }
}
