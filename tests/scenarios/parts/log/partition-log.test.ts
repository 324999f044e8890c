import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../engine/index.ts';
import { PartitionLog, parseTp, tpOf } from '../../../../scenarios/parts/log/partition-log.ts';

const rec = (n: number): { key: string; value: number }[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: i }));

function freshLog(): PartitionLog {
  return PartitionLog.open(new DurableStore(), 'orders-0');
}

describe('PartitionLog', () => {
  it('appends records at consecutive offsets', () => {
    const log = freshLog();
    const a = log.appendAsLeader(rec(3), -1, -1, -1, -1, 0, 0);
    const b = log.appendAsLeader(rec(2), -1, -1, -1, -1, 0, 1);
    expect(a).toEqual({ ok: true, baseOffset: 0, lastOffset: 2, duplicate: false });
    expect(b).toEqual({ ok: true, baseOffset: 3, lastOffset: 4, duplicate: false });
    expect(log.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('recognises a retried batch of an idempotent producer and does not write it again', () => {
    const log = freshLog();
    log.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 0);
    const retry = log.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 5);
    expect(retry).toEqual({ ok: true, baseOffset: 0, lastOffset: 1, duplicate: true });
    expect(log.logEndOffset).toBe(2);
  });

  it('writes a retried batch twice when the producer has no id', () => {
    const log = freshLog();
    log.appendAsLeader(rec(2), -1, -1, -1, -1, 0, 0);
    log.appendAsLeader(rec(2), -1, -1, -1, -1, 0, 5);
    expect(log.logEndOffset).toBe(4);
  });

  it('refuses a sequence gap and a fenced producer epoch', () => {
    const log = freshLog();
    log.appendAsLeader(rec(2), 7, 1, 0, -1, 0, 0);
    expect(log.appendAsLeader(rec(1), 7, 1, 5, -1, 0, 0)).toEqual({ ok: false, error: 'out-of-order-sequence' });
    expect(log.appendAsLeader(rec(1), 7, 0, 2, -1, 0, 0)).toEqual({ ok: false, error: 'producer-fenced' });
  });

  it('keeps the high watermark at or below the log end', () => {
    const log = freshLog();
    log.appendAsLeader(rec(3), -1, -1, -1, -1, 0, 0);
    expect(log.advanceHighWatermark(10)).toBe(true);
    expect(log.highWatermark).toBe(3);
    expect(log.advanceHighWatermark(2)).toBe(false);
  });

  it('stops read-committed readers at an open transaction and lets them past once it commits', () => {
    const log = freshLog();
    log.appendAsLeader(rec(1), -1, -1, -1, -1, 0, 0);
    log.appendAsLeader(rec(2), 9, 0, 0, 1, 0, 0);
    log.advanceHighWatermark(3);
    expect(log.lastStableOffset).toBe(1);
    expect(log.read(0, log.lastStableOffset, 10, 'read-committed').records).toHaveLength(1);
    expect(log.read(0, log.highWatermark, 10, 'read-uncommitted').records).toHaveLength(3);
    expect(log.appendMarker(9, 0, 1, true, 0, 0)).toEqual({ offset: 3, appended: true });
    log.advanceHighWatermark(4);
    const read = log.read(0, log.lastStableOffset, 10, 'read-committed');
    expect(read.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(read.nextOffset).toBe(4);
  });

  it('hides an aborted transaction from read-committed readers only', () => {
    const log = freshLog();
    log.appendAsLeader(rec(2), 9, 0, 0, 1, 0, 0);
    log.appendMarker(9, 0, 1, false, 0, 0);
    log.advanceHighWatermark(3);
    expect(log.read(0, 3, 10, 'read-committed').records).toHaveLength(0);
    expect(log.read(0, 3, 10, 'read-uncommitted').records).toHaveLength(2);
  });

  it('points a late duplicate marker at the first one and never lets it close the next transaction', () => {
    const log = freshLog();
    log.appendAsLeader(rec(1), 9, 0, 0, 1, 0, 0);
    log.appendMarker(9, 0, 1, true, 0, 0);
    log.appendAsLeader(rec(1), 9, 0, 1, 2, 0, 0);
    expect(log.appendMarker(9, 0, 1, false, 0, 0)).toEqual({ offset: 1, appended: false });
    expect(log.appendMarker(9, 0, 7, true, 0, 0)).toBeNull();
    log.advanceHighWatermark(log.logEndOffset);
    expect(log.lastStableOffset).toBe(2);
  });

  it('fences the old producer epoch with an abort marker even where it wrote nothing', () => {
    const log = freshLog();
    expect(log.appendMarker(9, 3, 1, false, 0, 0)).toEqual({ offset: 0, appended: true });
    expect(log.appendAsLeader(rec(1), 9, 2, 0, 1, 0, 0)).toEqual({ ok: false, error: 'producer-fenced' });
  });

  it('tells where a leader epoch ended, so a diverged follower knows where to truncate', () => {
    const log = freshLog();
    log.appendAsLeader(rec(3), -1, -1, -1, -1, 0, 0);
    log.beginEpoch(2);
    log.appendAsLeader(rec(2), -1, -1, -1, -1, 2, 0);
    expect(log.endOffsetForEpoch(0)).toBe(3);
    expect(log.endOffsetForEpoch(1)).toBe(3);
    expect(log.endOffsetForEpoch(2)).toBe(5);
  });

  it('truncates a suffix and rebuilds producer state from what is left', () => {
    const log = freshLog();
    log.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 0);
    log.appendAsLeader(rec(2), 7, 0, 2, -1, 1, 0);
    log.advanceHighWatermark(4);
    expect(log.truncateTo(2)).toBe(2);
    expect(log.highWatermark).toBe(2);
    expect(log.latestEpoch).toBe(0);
    expect(log.appendAsLeader(rec(2), 7, 0, 2, -1, 2, 0)).toMatchObject({ ok: true, duplicate: false, baseOffset: 2 });
  });

  it('survives a restart: reopening the same disk gives the same records and state', () => {
    const disk = new DurableStore();
    const log = PartitionLog.open(disk, 't-0');
    log.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 0);
    const again = PartitionLog.open(disk, 't-0');
    expect(again.logEndOffset).toBe(2);
    expect(again.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 0)).toMatchObject({ duplicate: true });
    expect(PartitionLog.endOffset(disk, 't-0')).toBe(2);
  });

  it('loses on a crash the records its broker had not forced', () => {
    const disk = new DurableStore();
    const log = PartitionLog.open(disk, 't-0');
    log.appendAsLeader(rec(2), -1, -1, -1, -1, 0, 0);
    disk.force();
    log.appendAsLeader(rec(3), -1, -1, -1, -1, 0, 0);
    disk.crash();
    expect(PartitionLog.open(disk, 't-0').logEndOffset).toBe(2);
  });

  it('drops a batch a crash tore, as log recovery drops a batch whose checksum fails', () => {
    const disk = new DurableStore();
    const log = PartitionLog.open(disk, 't-0');
    log.appendAsLeader(rec(2), 7, 0, 0, -1, 0, 0);
    disk.force();
    log.appendAsLeader(rec(3), 7, 0, 2, -1, 0, 0);
    // Two of the batch's three records reached the disk before the power failed.
    disk.crash(2);
    const again = PartitionLog.open(disk, 't-0');
    expect(again.logEndOffset).toBe(2);
    // The producer's retry of the whole batch is then written, not refused as out of sequence.
    expect(again.appendAsLeader(rec(3), 7, 0, 2, -1, 0, 0)).toMatchObject({ ok: true, duplicate: false, baseOffset: 2 });
  });

  it('names partitions topic-partition and parses the name back', () => {
    expect(tpOf('my-topic', 3)).toBe('my-topic-3');
    expect(parseTp('my-topic-3')).toEqual({ topic: 'my-topic', partition: 3 });
  });
});
