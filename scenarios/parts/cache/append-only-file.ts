/**
 * AppendOnlyFile: Redis's AOF for the cache model — every change to the keyspace appended to
 * a log on the node's disk, and forced (fsync'd) by one of Redis's policies:
 *
 *  - `aof-always`: forced before the reply to the command that wrote (Redis writes and fsyncs
 *    the AOF before it answers): whatever a client was told is written survives any crash;
 *  - `aof-everysec`: forced once a second (`FSYNC_EVERY_MS`, Redis's background fsync): a crash
 *    of the machine loses the writes of the last second at most, acknowledged or not.
 *
 * What a crash keeps is the disk's business (engine/disk.ts: unforced writes are lost, as a
 * machine losing power loses its page cache). A process killed with `kill -9` on a machine
 * that stays up loses nothing Redis had written to the file: the model's crash is the harder
 * one, so what it keeps is a lower bound of what a killed Redis keeps. The log holds effects,
 * not commands (keyspace-effect.ts), so replaying it after a restart rebuilds the keyspace at
 * whatever time the node comes back; leases are not in it (they die with the process).
 *
 * Redis rewrites the file in the background when it grows (BGREWRITEAOF); the model's log
 * only grows, which changes nothing a client sees.
 */
import type { DurableLog, DurableStore } from '../../../engine/index.ts';
import type { CacheStore } from './cache-store.ts';
import type { KeyspaceEffect } from './keyspace-effect.ts';

/** What survives a crash of a cache node: nothing, the writes up to the last second, or every acknowledged write. */
export type CachePersistence = 'none' | 'aof-everysec' | 'aof-always';

/** How often `aof-everysec` forces the file. */
export const FSYNC_EVERY_MS = 1000;

export class AppendOnlyFile {
  private readonly log: DurableLog<KeyspaceEffect>;

  constructor(
    readonly policy: Exclude<CachePersistence, 'none'>,
    private readonly disk: DurableStore,
  ) {
    this.log = disk.log<KeyspaceEffect>('aof');
  }

  /** The store's journal: appends one effect (durable once forced). */
  readonly record = (effect: KeyspaceEffect): void => {
    this.log.append(effect);
  };

  /** Called before a reply goes out: under `aof-always`, forces what the request wrote. */
  beforeReply(): void {
    if (this.policy === 'aof-always') this.fsync();
  }

  /** The once-a-second force of `aof-everysec` (harmless under `aof-always`). */
  fsync(): void {
    if (this.disk.unforced > 0) this.disk.force();
  }

  /** Effects in the file (forced or not). */
  get length(): number {
    return this.log.length;
  }

  /** Rebuilds the keyspace the file describes into an empty store (after a restart). */
  replayInto(store: CacheStore): void {
    for (const effect of this.log) store.restore(effect);
  }
}
