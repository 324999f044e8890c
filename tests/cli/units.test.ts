/** The CLI's pure parts, in-process: statistics, shell quoting, the ShiViz log, exit codes. */
import { describe, expect, it } from 'vitest';
import { checkExit } from '../../cli/check/report.ts';
import { SHIVIZ_REGEX, ShivizLog } from '../../cli/shiviz.ts';
import { estimate, excludesZero, pairedDifference, tQuantile975 } from '../../cli/stats.ts';
import type { TraceEvent } from '../../engine/index.ts';
import { findScenario, parseParams } from '../../scenarios/index.ts';
import { replayCommand, shellQuote } from '../../wire/index.ts';
import { shellWords } from './cli.ts';

describe('stats', () => {
  it('uses the t distribution for small samples and approaches the normal for large ones', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.706, 3);
    expect(tQuantile975(9)).toBeCloseTo(2.262, 3);
    expect(tQuantile975(40)).toBeCloseTo(2.021, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.98, 3);
    expect(tQuantile975(1e9)).toBeCloseTo(1.96, 3);
  });

  it('gives the mean and its 95% interval', () => {
    const e = estimate([1, 2, 3, 4, 5]);

    expect(e.mean).toBe(3);
    expect(e.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(e.ci95[0]).toBeCloseTo(3 - (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
  });

  it('pairs differences per seed, so a constant shift is real however noisy the samples', () => {
    const a = [10, 50, 20, 90, 30];
    const d = pairedDifference(
      a,
      a.map((x) => x + 1),
    );

    expect(d.mean).toBe(1);
    expect(d.ci95).toEqual([1, 1]);
    expect(excludesZero(d.ci95)).toBe(true);
    expect(excludesZero(estimate([-1, 1, -1, 1]).ci95)).toBe(false);
  });
});

describe('replay command', () => {
  it('quotes words for a POSIX shell', async () => {
    const tricky = `[{"at":1,"kind":"inject","name":"it's"}]`;

    expect(shellQuote('two-phase-commit')).toBe('two-phase-commit');
    expect(await shellWords(`x ${shellQuote(tricky)}`)).toEqual(['x', tricky]);
  });

  it('carries only the parameters that differ from the defaults', () => {
    const scenario = findScenario('two-phase-commit');
    const params = parseParams<Record<string, unknown>>(scenario, { participants: 5 });

    const line = replayCommand({ scenario, strategy: 'saga', seed: 9, params, faults: [] });

    expect(line).toBe(`faultline run two-phase-commit --strategy saga --seed 9 --param participants=5 --faults '[]'`);
  });
});

describe('ShiViz log', () => {
  const events: TraceEvent[] = [
    { type: 'send', t: 1, id: 0, from: 'a', to: 'b', msg: 'ping' },
    { type: 'metric', t: 1, name: 'x', value: 1 },
    { type: 'deliver', t: 2, id: 0, from: 'a', to: 'b', msg: 'ping' },
    { type: 'send', t: 3, id: 1, from: 'b', to: 'a', msg: 'pong' },
    { type: 'drop', t: 4, id: 1, from: 'b', to: 'a', reason: 'partition', msg: 'pong' },
    { type: 'heal', t: 5 },
  ];

  it('derives vector clocks from sends and deliveries, drops end in the network lane, metrics are left out', () => {
    const log = new ShivizLog();
    const lines = events.map((e) => log.entry(e)).filter((l) => l !== null);
    const regex = new RegExp(SHIVIZ_REGEX);
    const parsed = lines.map((l) => regex.exec(l)!.groups!);

    expect(parsed.map((g) => g.host)).toEqual(['a', 'b', 'b', 'network', 'faults']);
    expect(parsed.map((g) => JSON.parse(g.clock!))).toEqual([{ a: 1 }, { a: 1, b: 1 }, { a: 1, b: 2 }, { network: 1, a: 1, b: 2 }, { faults: 1 }]);
    expect(parsed[1]!.event).toBe('[t=2.000 ms] deliver #0 from a: ping');
  });
});

describe('exit codes', () => {
  const report = (invariant: string | null) => ({ counterexample: invariant === null ? null : { invariant } }) as never;

  it('is 0 when every strategy held, 1 on a counterexample, 2 when a run hit a bound', () => {
    expect(checkExit([report(null)])).toBe(0);
    expect(checkExit([report(null), report('atomicity')])).toBe(1);
    expect(checkExit([report('atomicity'), report('run-bounded')])).toBe(2);
  });
});
