import { describe, expect, it } from 'vitest';
import { GroupOwnership } from '../../../../scenarios/parts/log/group-ownership.ts';

/** Nodes 1..3 are c-1..c-3. */
const nameOf = (node: number): string => `c-${node}`;
const everyoneUp = (): boolean => true;

function settled(assignment: Record<string, string[]>, clock = { now: 0 }): GroupOwnership {
  const g = new GroupOwnership('g', clock);
  const members = Object.entries(assignment).map(([name, tps]) => ({ memberId: `${name}#0`, node: Number(name.slice(2)), assignment: tps }));
  g.rebalanced({ group: 'g', generation: 3, pauseMs: 0, members });
  for (const m of members) g.assigned(nameOf(m.node), m.memberId, 3, m.assignment);
  return g;
}

describe('GroupOwnership', () => {
  it('is content when every partition has one live owner that knows it', () => {
    const g = settled({ 'c-1': ['t-0'], 'c-2': ['t-1'] });
    expect(g.problems(['t-0', 't-1'], everyoneUp, nameOf, 0)).toEqual([]);
  });

  it('finds a partition nobody owns and one owned twice', () => {
    const g = settled({ 'c-1': ['t-0', 't-1'], 'c-2': ['t-1'] });
    const problems = g.problems(['t-0', 't-1', 't-2'], everyoneUp, nameOf, 0);
    expect(problems.map((p) => p.tp)).toEqual(['t-1', 't-2']);
  });

  it('finds an owner that is down, or that never heard of its partition', () => {
    const g = settled({ 'c-1': ['t-0'], 'c-2': ['t-1'] });
    g.assigned('c-2', 'c-2#0', 2, ['t-1']);
    const problems = g.problems(['t-0', 't-1'], (name) => name !== 'c-1', nameOf, 0);
    expect(problems.map((p) => p.what)).toEqual(["t-0's owner c-1 is not running", 't-1 is given to c-2 in generation 3, but c-2 does not know it owns it']);
  });

  it('finds a member still applying a partition it no longer owns, once the new generation began', () => {
    const clock = { now: 0 };
    const g = settled({ 'c-1': ['t-0'], 'c-2': ['t-1'] }, clock);
    clock.now = 500;
    g.applied('c-1', 't-0');
    g.applied('c-2', 't-0');
    expect(g.problems(['t-0', 't-1'], everyoneUp, nameOf, 1000)).toEqual([]);
    expect(g.problems(['t-0', 't-1'], everyoneUp, nameOf, 400).map((p) => p.what)).toEqual(['c-2 applied records of t-0 at 500 ms, but c-1 owns it']);
  });

  it('lets the previous owner finish the batch it held while the rebalance ran', () => {
    const clock = { now: 100 };
    const g = new GroupOwnership('g', clock);
    g.applied('c-2', 't-0');
    clock.now = 200;
    g.rebalanced({ group: 'g', generation: 4, pauseMs: 150, members: [{ memberId: 'c-1#0', node: 1, assignment: ['t-0'] }] });
    g.assigned('c-1', 'c-1#0', 4, ['t-0']);
    expect(g.problems(['t-0'], everyoneUp, nameOf, 0)).toEqual([]);
  });
});
