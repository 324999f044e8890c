#!/usr/bin/env node
// Paired comparison of check throughput (runs per CPU-second) between two trees, in ONE process:
// each tree's scenarios are bundled separately and imported side by side, then checks of A and B
// alternate (ABBA order) so JIT state, GC and machine noise hit both alike.
// usage: node tools/perf/ab.mjs <treeA> <treeB> <scenario> [runs=1000] [rounds=8] [strategy]
// Prints medians of runs/cpu-s and the median of the per-round ratios B/A.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository this script lives in: its node_modules bundles each tree. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [A, B, scenario, runsArg = '1000', roundsArg = '8', strategyArg = ''] = process.argv.slice(2);
const runs = Number(runsArg),
  rounds = Number(roundsArg);
const esbuild = path.join(ROOT, 'node_modules/.bin/esbuild');
function bundle(tree, tag) {
  const dir = `${ROOT}/node_modules/.cache/ab-${tag}-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const src = `${dir}/run.mts`;
  writeFileSync(
    src,
    `import { checkScenario, findScenario } from '${path.resolve(tree)}/scenarios/index.ts';
export function measure(id, runs, want, seed) {
  const s = findScenario(id);
  const sound = s.strategies.filter((x) => x.expectedViolations.length === 0);
  const strategy = want || (sound.find((x) => x.id === s.defaultStrategy) ?? sound[0]).id;
  const c0 = process.cpuUsage();
  const r = checkScenario(s, { strategy, runs, seed });
  const cu = process.cpuUsage(c0);
  if (r.ok === false) throw new Error('check failed ' + JSON.stringify(r).slice(0, 400));
  return runs * 1e6 / (cu.user + cu.system);
}
`,
  );
  const out = `${dir}/run.mjs`;
  execFileSync(
    esbuild,
    [src, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${out}`, '--log-level=error'],
    { cwd: tree },
  );
  return out;
}
const ma = (await import(pathToFileURL(bundle(A, 'A')).href)).measure;
const mb = (await import(pathToFileURL(bundle(B, 'B')).href)).measure;
ma(scenario, Math.ceil(runs / 2), strategyArg, 7);
mb(scenario, Math.ceil(runs / 2), strategyArg, 7);
const ra = [],
  rb = [],
  ratio = [];
for (let i = 0; i < rounds; i++) {
  let a, b;
  if (i % 2 === 0) {
    a = ma(scenario, runs, strategyArg, 3 + i);
    b = mb(scenario, runs, strategyArg, 3 + i);
  } else {
    b = mb(scenario, runs, strategyArg, 3 + i);
    a = ma(scenario, runs, strategyArg, 3 + i);
  }
  ra.push(a);
  rb.push(b);
  ratio.push(b / a);
}
const med = (x) => {
  const s = [...x].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `${scenario}: A ${med(ra).toFixed(0)}  B ${med(rb).toFixed(0)} runs/cpu-s  B/A ${med(ratio).toFixed(3)}  (ratios ${ratio.map((x) => x.toFixed(2)).join(' ')})`,
);
