/**
 * The range assignor (Kafka's RangeAssignor): for each topic, the partitions are split into
 * contiguous ranges, one per member in member order, the first members getting one more when
 * they do not divide evenly. A member beyond the partition count gets nothing and sits idle:
 * adding consumers past the partition count adds no throughput.
 */
import { type Tp, tpOf } from './partition-log.ts';

export function assignRange(members: readonly string[], topics: readonly { topic: string; partitions: number }[]): Map<string, Tp[]> {
  const out = new Map<string, Tp[]>(members.map((m) => [m, []]));
  if (members.length === 0) return out;
  for (const { topic, partitions } of topics) {
    const per = Math.floor(partitions / members.length);
    const extra = partitions % members.length;
    let next = 0;
    members.forEach((m, i) => {
      const n = per + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) out.get(m)!.push(tpOf(topic, next++));
    });
  }
  return out;
}
