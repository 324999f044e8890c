import { describe, expect, it } from 'vitest';
import { OfferedLoad } from '../../../../scenarios/parts/storage/offered-load.ts';

describe('OfferedLoad', () => {
  it('reports no overload while requests come no faster than a server serves them', () => {
    const load = new OfferedLoad(1, 10, 5);
    for (let t = 0; t < 1000; t += 10) load.charge(0, t);

    expect(load.overloads()).toEqual({ reports: [], peakBacklog: 1 });
  });

  it('reports the moment a server offered twice what it serves passes the backlog limit', () => {
    const load = new OfferedLoad(2, 10, 5);
    for (let t = 0; t < 1000; t += 5) load.charge(1, t);

    const { reports } = load.overloads();

    expect(reports).toEqual([{ server: 1, backlog: 6, atMs: 45 }]);
  });

  it('judges requests by when the users made them, whatever order they were charged in', () => {
    const inOrder = new OfferedLoad(1, 10, 5);
    const late = new OfferedLoad(1, 10, 5);
    const times = Array.from({ length: 50 }, (_, i) => i * 12);
    for (const t of times) inOrder.charge(0, t);
    // A paused app server forwards its share of the same requests at once, long after they were made.
    for (const t of times.filter((_, i) => i % 3 !== 0)) late.charge(0, t);
    for (const t of times.filter((_, i) => i % 3 === 0)) late.charge(0, t);

    expect(late.overloads()).toEqual(inOrder.overloads());
    expect(inOrder.overloads().reports).toEqual([]);
  });

  it('counts the peak rate over fixed windows', () => {
    const load = new OfferedLoad(2, 10, 5);
    for (const t of [0, 10, 20, 260, 270]) load.charge(0, t);
    for (const t of [300, 310, 320, 330]) load.charge(1, t);

    expect(load.peakPerSec(250)).toBe(16);
    expect(load.offeredTo(0)).toBe(5);
  });
});
