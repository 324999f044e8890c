import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { ReplicationLog } from '../../../../scenarios/parts/replication/replication-log.ts';

describe('ReplicationLog', () => {
  it('numbers entries 1, 2, 3 with the epoch that wrote them', () => {
    const log = new ReplicationLog<string>(new DurableStore());

    log.append(1, 0, 'a');
    log.append(1, 5, 'b');
    log.append(2, 9, 'c');

    expect([log.entry(1), log.entry(2), log.entry(3)].map((e) => [e?.lsn, e?.epoch, e?.op])).toEqual([
      [1, 1, 'a'],
      [2, 1, 'b'],
      [3, 2, 'c'],
    ]);
    expect(log.lastLsn).toBe(3);
    expect(log.lastEpoch).toBe(2);
  });

  it('survives a restart: a new log over the same disk sees the same entries and apply position', () => {
    const disk = new DurableStore();
    const log = new ReplicationLog<string>(disk, 'x');
    log.append(1, 0, 'a');
    log.appliedLsn = 1;

    const again = new ReplicationLog<string>(disk, 'x');

    expect(again.lastLsn).toBe(1);
    expect(again.appliedLsn).toBe(1);
    expect(ReplicationLog.appliedLsnOn(disk, 'x')).toBe(1);
  });

  it('finds the end of an epoch, where a follower from that epoch may still agree', () => {
    const log = new ReplicationLog<string>(new DurableStore());
    for (const epoch of [1, 1, 1, 2, 2, 4]) log.append(epoch, 0, 'op');

    expect([0, 1, 2, 3, 4].map((e) => log.endOfEpoch(e))).toEqual([0, 3, 5, 5, 6]);
  });

  it('drops a diverged tail and returns it', () => {
    const log = new ReplicationLog<string>(new DurableStore());
    for (const op of ['a', 'b', 'c', 'd']) log.append(1, 0, op);

    const dropped = log.truncateAfter(2);

    expect(dropped.map((e) => e.op)).toEqual(['c', 'd']);
    expect(log.lastLsn).toBe(2);
  });

  it('refuses an apply position beyond the log', () => {
    const log = new ReplicationLog<string>(new DurableStore());

    expect(() => {
      log.appliedLsn = 1;
    }).toThrow(/inside the log/);
  });
});
