import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { GroupCoordinator } from '../../../../scenarios/parts/log/group-coordinator.ts';
import { GroupLag } from '../../../../scenarios/parts/log/group-lag.ts';
import { PartitionLog } from '../../../../scenarios/parts/log/partition-log.ts';

describe('GroupLag', () => {
  it('reads a partition’s lag as its log end less the group’s committed offset, and follows both as they move', () => {
    const broker = new DurableStore();
    const coordinator = new DurableStore();
    const lag = new GroupLag(
      () => broker,
      () => coordinator,
      'g',
      't',
    );
    expect(lag.lag(0)).toBe(0);
    const log = PartitionLog.open(broker, 't-0');
    log.appendAsLeader(
      [
        { key: null, value: 1 },
        { key: null, value: 2 },
        { key: null, value: 3 },
      ],
      -1,
      -1,
      -1,
      -1,
      0,
      0,
    );
    expect(lag.lag(0)).toBe(3);
    coordinator.map<number>('group:offsets').set(GroupCoordinator.offsetKey('g', 't-0'), 2);
    expect(lag.committed(0)).toBe(2);
    expect(lag.lag(0)).toBe(1);
    log.appendAsLeader([{ key: null, value: 4 }], -1, -1, -1, -1, 0, 0);
    expect(lag.lag(0)).toBe(2);
    expect(GroupCoordinator.committed(coordinator, 'g', 't-0')).toBe(2);
  });
});
