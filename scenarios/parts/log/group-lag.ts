/**
 * GroupLag: a group's lag on a topic, read from disks as monitoring tools read it — each
 * partition's log end on its broker, less the offset the group committed on its coordinator.
 * Auditors and samplers ask for it many times a run, so it keeps hold of the log and offset
 * containers once they exist (a disk keeps the same container across crashes) instead of
 * looking them up by name at every read.
 */
import type { DurableLog, DurableMap, DurableStore } from '../../../engine/index.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { PartitionLog, type Tp, tpOf } from './partition-log.ts';

export class GroupLag {
  private readonly logs: (DurableLog<unknown> | null)[] = [];
  private readonly keys: string[] = [];
  private readonly tps: Tp[] = [];
  private offsets: DurableMap<number> | null = null;

  constructor(
    private readonly broker: () => DurableStore,
    private readonly coordinator: () => DurableStore,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  /** Partition `p`'s name. */
  tp(p: number): Tp {
    return (this.tps[p] ??= tpOf(this.topic, p));
  }

  /** Partition `p`'s log end offset on the broker (0 before it exists). */
  end(p: number): number {
    let log = this.logs[p];
    if (log === undefined || log === null) {
      log = PartitionLog.logOf(this.broker(), this.tp(p));
      this.logs[p] = log;
      if (log === null) return 0;
    }
    return log.length;
  }

  /** The offset the group committed on partition `p` (0 before any). */
  committed(p: number): number {
    if (this.offsets === null) this.offsets = GroupCoordinator.offsetsOf(this.coordinator());
    if (this.offsets === null) return 0;
    return this.offsets.get((this.keys[p] ??= GroupCoordinator.offsetKey(this.group, this.tp(p)))) ?? 0;
  }

  /** Records of partition `p` appended and not yet committed by the group. */
  lag(p: number): number {
    return Math.max(0, this.end(p) - this.committed(p));
  }
}
