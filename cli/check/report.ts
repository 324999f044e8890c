/**
 * What `check` and `merge` print: the check result as JSON (the framework's `CheckResult`
 * plus throughput, and for a counterexample the replay command and the link that opens it in
 * the web UI), the human table, and the exit code.
 */
import { describeFault, type FaultPlan } from '../../engine/index.ts';
import { type AnyScenario, type CheckResult, type Counterexample, fmtMs, RUN_BOUNDED } from '../../scenarios/index.ts';
import { encodeRunLink, replayCommand, replayParams } from '../../wire/index.ts';
import { EXIT, type ExitCode, worstExit } from '../exit-codes.ts';
import { formatNumber, formatTable } from '../table.ts';

export interface CounterexampleReport extends Counterexample {
  replay: string;
  url: string;
}

export interface CheckReport extends Omit<CheckResult, 'counterexample'> {
  params: Record<string, unknown>;
  runsPerSec: number;
  executedRuns: number;
  elapsedMs: number;
  counterexample: CounterexampleReport | null;
}

export interface AllReport {
  scenario: string;
  seed: number;
  runs: number;
  ok: boolean;
  asExpected: boolean;
  shard: CheckResult['shard'];
  results: CheckReport[];
}

export interface Throughput {
  runsPerSec: number;
  executedRuns: number;
  elapsedMs: number;
}

export function checkReport(scenario: AnyScenario, result: CheckResult, params: Record<string, unknown>, throughput: Throughput, baseUrl: string): CheckReport {
  const ce = result.counterexample;
  return {
    ...result,
    params,
    runsPerSec: Math.round(throughput.runsPerSec),
    executedRuns: throughput.executedRuns,
    elapsedMs: Math.round(throughput.elapsedMs),
    counterexample:
      ce === null
        ? null
        : {
            ...ce,
            replay: replayCommand({ scenario, strategy: result.strategy, seed: ce.seed, params, faults: ce.faults }),
            url: encodeRunLink(
              {
                scenario: scenario.id,
                strategy: result.strategy,
                seed: ce.seed,
                params: replayParams(scenario, params),
                faults: ce.faults,
                hash: ce.traceHash,
              },
              baseUrl,
            ),
          },
  };
}

export function allReport(scenario: AnyScenario, seed: number, runs: number, reports: CheckReport[]): AllReport {
  return {
    scenario: scenario.id,
    seed,
    runs,
    ok: reports.every((r) => r.ok),
    asExpected: reports.every((r) => r.asExpected),
    shard: reports[0]?.shard ?? null,
    results: reports,
  };
}

/** 1 when any counterexample was found (expected or not); 2 when a run hit a bound. */
export function checkExit(reports: readonly CheckReport[]): ExitCode {
  let code: ExitCode = EXIT.held;
  for (const r of reports) {
    if (r.counterexample === null) continue;
    code = worstExit(code, r.counterexample.invariant === RUN_BOUNDED ? EXIT.badInput : EXIT.violated);
  }
  return code;
}

export function checkTable(reports: readonly CheckReport[], header: string): string {
  const rows = reports.map((r) => ({
    strategy: r.strategy,
    verdict: r.counterexample === null ? 'held' : `BROKEN: ${r.counterexample.invariant}`,
    runs: r.runs,
    'runs/s': r.runsPerSec,
    faults: r.counterexample === null ? null : r.counterexample.faults.length,
    'as expected': r.asExpected ? (r.counterexample === null ? 'yes (sound)' : 'yes (declared flaw)') : 'NO',
    'goals never reached': r.goalsNeverReached.join(', ') || '-',
  }));
  const lines = [header, '', formatTable(rows, { right: ['runs', 'runs/s', 'faults'] })];
  for (const r of reports) {
    const ce = r.counterexample;
    if (ce === null) continue;
    lines.push('', counterexampleText(r.strategy, ce, r.asExpected));
  }
  const broken = reports.filter((r) => r.counterexample !== null);
  if (broken.length > 0) {
    const unexpected = broken.filter((r) => !r.asExpected).map((r) => r.strategy);
    lines.push(
      '',
      unexpected.length === 0
        ? `Counterexamples found (exit 1) — each breaks a flaw its strategy declares, so the scenario behaves as documented.`
        : `Counterexamples found (exit 1) — UNEXPECTED for ${unexpected.join(', ')}: the strategy claims to hold.`,
    );
  }
  const missed = reports.filter((r) => r.counterexample === null && !r.asExpected).map((r) => r.strategy);
  if (missed.length > 0) lines.push(`No counterexample for ${missed.join(', ')}, which declare${missed.length === 1 ? 's' : ''} a flaw: try more --runs.`);
  return lines.join('\n');
}

function counterexampleText(strategy: string, ce: CounterexampleReport, asExpected: boolean): string {
  const where = ce.node === null ? '' : ` on ${ce.node}`;
  return [
    `${strategy}: ${ce.invariant} broken at ${fmtMs(ce.time)}${where}${asExpected ? ' (a declared flaw)' : ''}`,
    `  ${ce.message}`,
    `  run #${formatNumber(ce.index)}, seed ${ce.seed}; faults shrunk from ${ce.originalFaults.length} to ${ce.faults.length} in ${ce.shrinkSteps} step${ce.shrinkSteps === 1 ? '' : 's'}:`,
    ...describePlan(ce.faults).map((d) => `    - ${d}`),
    `  replay: ${ce.replay}`,
    `  open:   ${ce.url}`,
  ].join('\n');
}

export function describePlan(plan: FaultPlan): string[] {
  return plan.length === 0 ? ['(no faults)'] : plan.map(describeFault);
}
