/**
 * `npm run mutants [-- --json] [--only ID|FAMILY|SCENARIO] [--runs N] [--seed N] [--jobs K]`:
 * applies each mutant of the suite (mutants/suite/*.ts) in its own scratch copy of the
 * simulated code (engine/, history/, scenarios/), runs the checker on the mutated strategy
 * (1,000 runs by default) in a child process, and reports which mutants it killed. The tree
 * itself is never touched. Prints `{mutants: [...], score, families}` with --json.
 *
 * Exit 0 when every mutant not marked equivalent was killed, 1 when one survived, 2 for bad
 * input (an unknown --only, a stale mutant).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyMutant, type Mutant } from './mutant.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIMULATED = ['engine', 'history', 'scenarios'];

interface Outcome {
  id: string;
  file: string;
  family: string;
  scenario: string;
  strategy: string;
  description: string;
  killed: boolean;
  equivalent: boolean;
  reason?: string;
  invariant?: string | null;
  runs?: number | null;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`faultline mutants: ${name} must be a positive integer, got '${text}'`);
    process.exit(2);
  }
  return n;
}

async function loadSuite(): Promise<Mutant[]> {
  const dir = path.join(root, 'mutants', 'suite');
  const all: Mutant[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    const mod = (await import(pathToFileURL(path.join(dir, name)).href)) as { mutants: Mutant[] };
    all.push(...mod.mutants);
  }
  const ids = new Set<string>();
  for (const m of all) {
    if (ids.has(m.id)) throw new Error(`mutant id '${m.id}' is used twice`);
    ids.add(m.id);
  }
  return all;
}

/** A scratch copy of the simulated code with one mutant applied. */
function scratchWith(mutant: Mutant): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `faultline-mutant-${mutant.id}-`));
  for (const folder of SIMULATED) if (existsSync(path.join(root, folder))) cpSync(path.join(root, folder), path.join(dir, folder), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = path.join(dir, mutant.file);
  if (!existsSync(file)) throw new Error(`mutant ${mutant.id}: no file ${mutant.file} among ${SIMULATED.join(', ')}`);
  writeFileSync(file, applyMutant(mutant, readFileSync(file, 'utf8')));
  return dir;
}

function checkInChild(
  dir: string,
  mutant: Mutant,
  runs: number,
  seed: number,
): Promise<{ killed: boolean; runs: number | null; invariant: string | null; message: string | null }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'mutants', 'check-one.ts'), dir, mutant.scenario, mutant.strategy, String(runs), String(seed)],
      { cwd: dir, maxBuffer: 1 << 24, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line));
        } catch {
          resolve({
            killed: true,
            runs: null,
            invariant: null,
            message: `the checker process failed (${error?.message ?? 'no output'}): ${stderr.trim().split('\n').slice(-2).join(' ')}`,
          });
        }
      },
    );
  });
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = option('--only', '');
  const runs = positiveInt('--runs', option('--runs', '1000'));
  const seed = positiveInt('--seed', option('--seed', '1'));
  const jobs = positiveInt('--jobs', option('--jobs', String(Math.max(1, Math.min(2, os.availableParallelism())))));
  const suite = await loadSuite();
  const chosen = only === '' ? suite : suite.filter((m) => m.id === only || m.family === only || m.scenario === only);
  if (chosen.length === 0) {
    console.error(`faultline mutants: --only '${only}' matches no mutant id, family or scenario`);
    process.exit(2);
  }
  for (const m of chosen) applyMutant(m, readFileSync(path.join(root, m.file), 'utf8'));

  const outcomes: Outcome[] = new Array(chosen.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const i = next++;
      const m = chosen[i]!;
      const base = { id: m.id, file: m.file, family: m.family, scenario: m.scenario, strategy: m.strategy, description: m.description };
      if (m.equivalent !== undefined) {
        outcomes[i] = { ...base, killed: false, equivalent: true, reason: m.equivalent };
        continue;
      }
      const dir = scratchWith(m);
      try {
        const r = await checkInChild(dir, m, runs, seed);
        outcomes[i] = { ...base, killed: r.killed, equivalent: false, invariant: r.invariant, runs: r.runs, ...(r.message ? { reason: r.message } : {}) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (!json) {
        const o = outcomes[i]!;
        console.error(
          `${o.killed ? 'killed  ' : 'SURVIVED'} ${o.id} (${o.scenario}/${o.strategy})${o.killed ? `: ${o.invariant ?? o.reason} after ${o.runs ?? '?'} runs` : ''}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, chosen.length) }, worker));

  const live = outcomes.filter((o) => !o.equivalent);
  const rate = (list: Outcome[]): number => (list.length === 0 ? 1 : list.filter((o) => o.killed).length / list.length);
  const families = Object.fromEntries(
    [...new Set(outcomes.map((o) => o.family))].map((f) => {
      const all = outcomes.filter((o) => o.family === f);
      const l = all.filter((o) => !o.equivalent);
      return [f, { mutants: all.length, equivalent: all.length - l.length, killed: l.filter((o) => o.killed).length, score: rate(l) }];
    }),
  );
  const report = { runs, seed, mutants: outcomes, score: rate(live), families };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `mutation score ${(report.score * 100).toFixed(1)}% (${live.filter((o) => o.killed).length}/${live.length} killed, ${outcomes.length - live.length} equivalent)`,
    );
    for (const [f, s] of Object.entries(families)) console.log(`  ${f}: ${s.killed}/${s.mutants - s.equivalent} killed`);
    for (const o of live.filter((x) => !x.killed)) console.log(`  survived: ${o.id} — ${o.description}`);
  }
  process.exitCode = live.every((o) => o.killed) ? 0 : 1;
}

main().catch((error) => {
  console.error(`faultline mutants: ${(error as Error).message}`);
  process.exit(2);
});
