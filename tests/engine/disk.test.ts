import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DurableStore, MemoryTrace, Simulation } from '../../engine/index.ts';

describe('a disk', () => {
  it('shows every write to reads at once, forced or not', () => {
    const disk = new DurableStore();
    disk.set('a', 1);
    disk.map<number>('rows').set('x', 2);
    disk.log<string>('wal').append('prepare t1');

    expect(disk.get('a')).toBe(1);
    expect(disk.map<number>('rows').get('x')).toBe(2);
    expect(disk.log<string>('wal').slice()).toEqual(['prepare t1']);
    expect(disk.unforced).toBe(3);
  });

  it('loses at a crash exactly the writes since the last force, in every container', () => {
    const disk = new DurableStore();
    const rows = disk.map<number>('rows');
    const wal = disk.log<string>('wal');
    disk.set('term', 1);
    rows.set('x', 1);
    wal.append('r1');
    disk.force();
    disk.set('term', 2);
    rows.set('x', 2);
    rows.set('y', 9);
    rows.delete('x');
    wal.append('r2');
    wal.truncate(0);

    const lost = disk.crash();

    expect(lost).toBe(6);
    expect(disk.get('term')).toBe(1);
    expect([...rows]).toEqual([['x', 1]]);
    expect(wal.slice()).toEqual(['r1']);
    expect(disk.unforced).toBe(0);
  });

  it('writes a map entry with setIfDifferent only when its value changes, and a crash undoes it like any write', () => {
    const disk = new DurableStore();
    const rows = disk.map<number>('rows');
    rows.set('x', 1);
    disk.force();

    expect(rows.setIfDifferent('x', 1)).toBe(false);
    expect(disk.unforced).toBe(0);
    expect(rows.setIfDifferent('x', 2)).toBe(true);
    expect(rows.setIfDifferent('y', 3)).toBe(true);
    expect(disk.unforced).toBe(2);
    expect(disk.writes).toBe(3);

    expect(disk.crash()).toBe(2);
    expect([...rows]).toEqual([['x', 1]]);
  });

  it('keeps the first `kept` unforced writes of a torn write-back, in write order', () => {
    const disk = new DurableStore();
    const wal = disk.log<string>('wal');
    wal.append('commit t1');
    wal.append('row x');
    wal.append('row y');

    expect(disk.crash(2)).toBe(1);
    expect(wal.slice()).toEqual(['commit t1', 'row x']);
  });

  it('after any sequence of writes, forces and a torn crash, holds the forced state plus a prefix of the writes since', () => {
    type Op = { op: 'set'; key: string; value: number } | { op: 'del'; key: string } | { op: 'append'; value: number } | { op: 'force' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer() }),
      fc.record({ op: fc.constant('del' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ op: fc.constant('append' as const), value: fc.integer() }),
      fc.constant({ op: 'force' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.nat(10), (ops, kept) => {
        const disk = new DurableStore();
        const map = disk.map<number>('m');
        const log = disk.log<number>('l');
        const snapshots: string[] = [];
        const snapshot = (): string => JSON.stringify([[...map], log.slice()]);
        let forcedAt = snapshot();
        snapshots.push(forcedAt);
        for (const o of ops) {
          if (o.op === 'force') {
            disk.force();
            forcedAt = snapshot();
            snapshots.length = 0;
            snapshots.push(forcedAt);
            continue;
          }
          if (o.op === 'set') map.set(o.key, o.value);
          else if (o.op === 'del') {
            if (!map.has(o.key)) continue;
            map.delete(o.key);
          } else log.append(o.value);
          snapshots.push(snapshot());
        }
        disk.crash(kept);
        expect(snapshot()).toBe(snapshots[Math.min(kept, snapshots.length - 1)]);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('a node crash', () => {
  it('loses what the node wrote but did not force, and counts it in the trace', () => {
    const trace = new MemoryTrace();
    const sim = new Simulation({ seed: 1, trace });
    const seen: unknown[] = [];
    sim.addNode('db', (ctx) => {
      seen.push([ctx.disk.get('forced'), ctx.disk.get('unforced')]);
      if (ctx.incarnation === 0) {
        ctx.disk.set('forced', 1);
        ctx.disk.force();
        ctx.disk.set('unforced', 2);
      }
      return {};
    });
    sim.schedulePlan([
      { at: 5, kind: 'crash', node: 'db' },
      { at: 6, kind: 'restart', node: 'db' },
    ]);

    sim.run();

    expect(seen).toEqual([
      [undefined, undefined],
      [1, undefined],
    ]);
    expect(trace.events().find((e) => e.type === 'crash')).toEqual({ type: 'crash', t: 5, node: 'db', lostWrites: 1 });
  });

  it('strikes at the implicit crash points: before a write, before and after a force, before and after a send', () => {
    const outcome = (when: string): unknown => {
      const sim = new Simulation({ seed: 1 });
      const delivered: string[] = [];
      sim.addNode('sink', () => ({ onMessage: (_from, m) => delivered.push(m as string) }));
      sim.addNode('db', (ctx) => {
        if (ctx.incarnation === 0) ctx.setTimer(10, 'work');
        return {
          onTimer: () => {
            ctx.disk.set('x', 1);
            ctx.disk.force();
            ctx.send('sink', 'ack');
            ctx.disk.set('y', 2);
          },
        };
      });
      sim.schedulePlan([
        { at: 0, kind: 'crash', node: 'db', when },
        { at: 50, kind: 'restart', node: 'db' },
      ]);
      sim.run();
      return [sim.disk(1).get('x') ?? null, sim.disk(1).get('y') ?? null, delivered];
    };

    expect(outcome('io:write')).toEqual([null, null, []]);
    expect(outcome('io:force')).toEqual([null, null, []]);
    expect(outcome('io:forced')).toEqual([1, null, []]);
    expect(outcome('io:send')).toEqual([1, null, []]);
    expect(outcome('io:sent')).toEqual([1, null, ['ack']]);
  });

  it('keeps armed crash points per node: one firing leaves the others armed, and healAll disarms what is left', () => {
    const sim = new Simulation({ seed: 1 });
    const delivered: [number, string][] = [];
    sim.addNode('sink', () => ({ onMessage: (_from, m) => delivered.push([sim.now, m as string]) }));
    const timers: Record<string, number[]> = { a: [10, 20], b: [10, 20, 30], c: [10, 20], d: [26] };
    for (const [name, at] of Object.entries(timers)) {
      const id = sim.addNode(name, (ctx) => {
        if (ctx.incarnation === 0) for (const t of at) ctx.setTimer(t, t);
        return { onTimer: (t) => ctx.send('sink', `${name}${t}`) };
      });
      sim.setLink(id, 0, { latency: { kind: 'constant', ms: 1 } });
    }
    sim.schedulePlan([
      { at: 0, kind: 'crash', node: 'a', when: 'io:send' },
      { at: 15, kind: 'crash', node: 'b', when: 'io:sent' },
      { at: 15, kind: 'crash', node: 'c', when: 'io:send' },
      { at: 22, kind: 'crash', node: 'd', when: 'io:send' },
    ]);

    sim.run({ untilMs: 24 });
    sim.healAll();
    sim.run();

    expect(delivered).toEqual([
      [11, 'b10'],
      [11, 'c10'],
      [21, 'b20'],
      [27, 'd26'],
    ]);
    expect(['a', 'b', 'c', 'd'].map((n) => sim.status(sim.nodeId(n)))).toEqual(['up', 'up', 'up', 'up']);
  });

  it('keeps the first unforced writes when the crash tears the write-back', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('db', (ctx) => {
      if (ctx.incarnation === 0) {
        ctx.disk.log<string>('wal').append('a');
        ctx.disk.log<string>('wal').append('b');
        ctx.disk.log<string>('wal').append('c');
      }
      return {};
    });
    sim.schedulePlan([{ at: 1, kind: 'crash', node: 'db', torn: 2 }]);

    sim.run();

    expect(sim.disk(0).log<string>('wal').slice()).toEqual(['a', 'b']);
  });
});
