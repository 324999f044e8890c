/**
 * KeyAuditor: the all-seeing checker of the sharded store, kept apart from the router and
 * the shards. The router reports each write it issues and each acknowledgement, each read
 * and what it returned; shards report when their backlog passes the limit. It judges:
 *
 *  - every read returns the newest acknowledged write of its key (no key goes missing or
 *    back in time while shards join, leave and keys move);
 *  - no shard is overloaded (a backlog past the limit only builds up when the load offered
 *    to a shard stays above what it can serve).
 *
 * It also keeps the resharding record: keys stored, keys that changed owner, how long each
 * migration took.
 */
import type { NodeId, Simulation } from '../../engine/index.ts';
import type { World } from '../framework/scenario.ts';

export interface ReshardRecord {
  startedAt: number;
  finishedAt: number | null;
  keysStored: number;
  keysMoved: number;
  description: string;
}

export class KeyAuditor {
  private readonly acked = new Map<number, number>();
  private readonly reads = new Map<number, { key: number; expected: number }>();
  readonly reshards: ReshardRecord[] = [];
  readsChecked = 0;
  readsBroken = 0;
  overloads = 0;
  pulls = 0;

  constructor(
    private readonly world: World<unknown>,
    private readonly sim: Simulation,
  ) {}

  writeAcked(key: number, version: number): void {
    if (version > (this.acked.get(key) ?? 0)) this.acked.set(key, version);
  }

  readIssued(rid: number, key: number): void {
    this.reads.set(rid, { key, expected: this.acked.get(key) ?? 0 });
  }

  readReturned(rid: number, version: number, shard: NodeId): void {
    const r = this.reads.get(rid);
    if (r === undefined) return;
    this.reads.delete(rid);
    this.readsChecked++;
    if (version >= r.expected) return;
    this.readsBroken++;
    this.world.violate(
      'reads-see-acknowledged-writes',
      `a read of key ${r.key} on ${this.sim.nodeName(shard)} returned ${version === 0 ? 'nothing' : `write #${version}`}, but write #${r.expected} to it had been acknowledged`,
      shard,
    );
  }

  readFailed(rid: number): void {
    this.reads.delete(rid);
  }

  overloaded(shard: NodeId, backlog: number, limit: number, serviceMs: number): void {
    this.overloads++;
    this.world.violate(
      'no-overloaded-shard',
      `${this.sim.nodeName(shard)} has ${backlog} requests queued, past its limit of ${limit}: it is offered more than the ${Math.round(1000 / serviceMs)} requests per second it can serve`,
      shard,
    );
  }

  reshardStarted(keysStored: number, keysMoved: number, description: string): void {
    this.reshards.push({ startedAt: this.sim.now, finishedAt: null, keysStored, keysMoved, description });
  }

  reshardFinished(): ReshardRecord {
    const r = this.reshards[this.reshards.length - 1]!;
    r.finishedAt = this.sim.now;
    this.world.reach('resharded');
    return r;
  }

  pulled(): void {
    this.pulls++;
    this.world.reach('key-pulled');
  }
}
