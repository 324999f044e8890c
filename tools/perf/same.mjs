#!/usr/bin/env node
// Do two trees give the same check results? For every strategy of the given scenarios (default:
// all), runs checkScenario (150 runs, seed 7) in each tree's bundle and compares the JSON,
// dropping timing fields. usage: node tools/perf/same.mjs <treeA> <treeB> [scenario...]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository this script lives in: its node_modules bundles each tree. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [A, B, ...only] = process.argv.slice(2);
function bundle(tree, tag) {
  const dir = `${ROOT}/node_modules/.cache/same-${tag}-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/run.mts`,
    `import { checkScenario, scenarios } from '${path.resolve(tree)}/scenarios/index.ts';
export const ids = scenarios.map((s) => s.id);
export function results(id) {
  const s = scenarios.find((x) => x.id === id);
  return s.strategies.map((st) => JSON.stringify(checkScenario(s, { strategy: st.id, runs: 150, seed: 7 }), (k, v) => (/ms$|Ms$|elapsed|seconds|perSec/i.test(k) ? undefined : v)));
}
`,
  );
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/esbuild'),
    [
      `${dir}/run.mts`,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--packages=external',
      `--outfile=${dir}/run.mjs`,
      '--log-level=error',
    ],
    { cwd: tree },
  );
  return import(pathToFileURL(`${dir}/run.mjs`).href);
}
const a = await bundle(A, 'A'),
  b = await bundle(B, 'B');
let differ = 0;
for (const id of only.length ? only : a.ids) {
  const ra = a.results(id),
    rb = b.results(id);
  const bad = ra.map((x, i) => (x === rb[i] ? null : i)).filter((i) => i !== null);
  if (bad.length) {
    differ++;
    console.log(`${id}: DIFFERENT for strategies #${bad.join(',')}`);
    for (const i of bad) {
      console.log('  A', ra[i].slice(0, 300));
      console.log('  B', rb[i].slice(0, 300));
    }
  } else console.log(`${id}: same (${ra.length} strategies)`);
}
process.exit(differ ? 1 : 0);
