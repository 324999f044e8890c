import { describe, expect, it } from 'vitest';
import { assignRange } from '../../../../scenarios/parts/log/assignor.ts';

describe('assignRange', () => {
  it('gives each member a contiguous range, the first ones one more when uneven', () => {
    const a = assignRange(['m1', 'm2', 'm3'], [{ topic: 't', partitions: 5 }]);
    expect([...a.values()]).toEqual([['t-0', 't-1'], ['t-2', 't-3'], ['t-4']]);
  });

  it('leaves members beyond the partition count with nothing', () => {
    const a = assignRange(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], [{ topic: 't', partitions: 4 }]);
    expect([...a.values()].filter((tps) => tps.length === 0)).toHaveLength(2);
  });
});
