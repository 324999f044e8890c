import { describe, expect, it } from 'vitest';
import { OverloadWatch } from '../../../../scenarios/parts/storage/overload-watch.ts';

describe('OverloadWatch', () => {
  it('enters past the limit, stays through a backlog hovering near it, and leaves at half of it', () => {
    const seen: string[] = [];
    const watch = new OverloadWatch(20, { enter: (b) => seen.push(`enter ${b}`), leave: (b) => seen.push(`leave ${b}`) });

    for (const backlog of [5, 20, 21, 25, 19, 21, 11, 10, 9, 21]) watch.update(backlog);

    expect(seen).toEqual(['enter 21', 'leave 10', 'enter 21']);
    expect(watch.overloaded).toBe(true);
  });
});
