/**
 * What `check` and `merge` print: the check result as JSON (the framework's `CheckResult`
 * plus throughput, and for a counterexample the replay command and the link that opens it in
 * the web UI), the human table, and the exit code.
 */
import { describeFault, type FaultPlan } from '../../engine/index.ts';
import { type AnyScenario, type CheckResult, type Counterexample, fmtMs, RUN_BOUNDED } from '../../scenarios/index.ts';
import { encodeRunLink, replayCommand, replayParams } from '../../wire/index.ts';
import { EXIT, type ExitCode, worstExit } from '../exit-codes.ts';
import { openLines, runnable } from '../output.ts';
import { formatNumber, formatTable } from '../table.ts';

export interface CounterexampleReport extends Counterexample {
  replay: string;
  url: string;
}

/**
 * One strategy's check as printed. Everything in it is a function of the check's inputs —
 * the same on any number of workers or shards — except `runsPerSec`, the one measurement.
 */
export interface CheckReport extends Omit<CheckResult, 'counterexample'> {
  params: Record<string, unknown>;
  /** Runs scanned per second of wall-clock time (runs past the first failure in flight included). */
  runsPerSec: number;
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

/**
 * The exit code. By default: 1 when any counterexample was found (expected or not), 2 when a
 * run hit a bound. With `--expect declared` (CI trusting a scenario's claims): 0 when every
 * flawed strategy broke only invariants it declares and every sound strategy held, else 1.
 */
export function checkExit(reports: readonly CheckReport[], expect: 'declared' | null = null): ExitCode {
  if (expect === 'declared') return reports.every((r) => r.asExpected) ? EXIT.held : EXIT.violated;
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
  lines.push('', ...coverageText(reports));
  const unexpected = reports.filter((r) => r.counterexample !== null && !r.asExpected).map((r) => r.strategy);
  const missed = reports.filter((r) => r.counterexample === null && !r.asExpected);
  lines.push('');
  if (unexpected.length > 0) lines.push(`UNEXPECTED: ${unexpected.join(', ')} broke what ${unexpected.length === 1 ? 'it claims' : 'they claim'} to hold.`);
  for (const r of missed) lines.push(missedText(r));
  if (unexpected.length === 0 && missed.length === 0) {
    lines.push(
      reports.some((r) => r.counterexample !== null)
        ? 'Every flawed strategy broke a flaw it declares and every sound one held: the scenario behaves as documented.'
        : 'Every strategy held, as each claims.',
    );
  }
  return lines.join('\n');
}

/** What the runs exercised: per fault class, crash point and inject, the runs whose plan held one; and what no plan can hold. */
function coverageText(reports: readonly CheckReport[]): string[] {
  const first = reports[0];
  if (first === undefined) return [];
  const total = new Map<string, number>();
  for (const r of reports) for (const i of r.coverage.items) total.set(i.item, (total.get(i.item) ?? 0) + i.runs);
  const drawn = [...total].filter(([, n]) => n > 0);
  const never = [...total].filter(([, n]) => n === 0).map(([item]) => item);
  const lines = [`fault classes in the plans (runs, all strategies): ${drawn.map(([item, n]) => `${item} ${formatNumber(n)}`).join(', ') || 'none'}`];
  if (never.length > 0) lines.push(`never drawn in these runs: ${never.join(', ')}`);
  const byReason = new Map<string, { kind: string; nodes: string[] }>();
  for (const e of first.coverage.excluded) {
    const key = `${e.kind}\u0000${e.reason}`;
    const entry = byReason.get(key) ?? { kind: e.kind, nodes: [] };
    if (e.node !== undefined) entry.nodes.push(e.node);
    byReason.set(key, entry);
  }
  for (const [key, e] of byReason)
    lines.push(`never drawn by design: ${e.kind}${e.nodes.length > 0 ? ` on ${e.nodes.join(', ')}` : ''} — ${key.split('\u0000')[1]}`);
  return lines;
}

/** Why a declared flaw was not found, and what would help. */
function missedText(r: CheckReport): string {
  const never = r.coverage.items.filter((i) => i.runs === 0).map((i) => i.item);
  const excluded =
    r.coverage.excluded.length > 0
      ? ` The space never draws ${r.coverage.excluded.map((e) => `${e.kind}${e.node ? ` on ${e.node}` : ''}`).join(', ')}; if the flaw needs one of them, more runs cannot find it.`
      : '';
  return never.length > 0
    ? `No counterexample for ${r.strategy}, which declares ${r.expectedViolations.join(', ')}: ${never.join(', ')} never came up in ${formatNumber(r.runs)} runs — try more --runs.${excluded}`
    : `No counterexample for ${r.strategy}, which declares ${r.expectedViolations.join(', ')}, though every fault class came up — try more --runs or another --seed.${excluded}`;
}

function counterexampleText(strategy: string, ce: CounterexampleReport, asExpected: boolean): string {
  const where = ce.node === null ? '' : ` on ${ce.node}`;
  return [
    `${strategy}: ${ce.invariant} broken at ${fmtMs(ce.time)}${where}${asExpected ? ' (a declared flaw)' : ''}`,
    `  ${ce.message}`,
    ...(ce.stack === undefined ? [] : stackLines(ce.stack)),
    `  run #${formatNumber(ce.index)}, seed ${ce.seed}; faults shrunk from ${ce.originalFaults.length} to ${ce.faults.length} in ${ce.shrinkSteps} step${ce.shrinkSteps === 1 ? '' : 's'}:`,
    ...describePlan(ce.faults).map((d) => `    - ${d}`),
    `  replay: ${runnable(ce.replay)}`,
    ...openLines(ce.url, ce.replay, '  '),
  ].join('\n');
}

/** The frames of a handler's stack worth reading: the scenario's own, not faultline's kernel. */
function stackLines(stack: string): string[] {
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  const own = frames.filter((l) => !/[/\\](engine|scenarios[/\\]framework|node_modules|node:internal)[/\\]/.test(l));
  return (own.length > 0 ? own : frames).slice(0, 5).map((l) => `    ${l.trim()}`);
}

export function describePlan(plan: FaultPlan): string[] {
  return plan.length === 0 ? ['(no faults)'] : plan.map(describeFault);
}
