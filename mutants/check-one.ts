/**
 * Checks one strategy of one scenario in a scratch copy of the project (the copy's sources,
 * with one mutant applied): `node --import tsx mutants/check-one.ts <root> <scenario>
 * <strategy> <runs> <seed>`. Prints one JSON line: the check's verdict, or the error the
 * mutant caused (a handler that throws is found as surely as a broken invariant).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, scenarioId, strategy, runsText, seedText] = process.argv.slice(2);
const lib = await import(pathToFileURL(path.join(root!, 'scenarios', 'index.ts')).href);
try {
  const scenario = lib.findScenario(scenarioId);
  const result = lib.checkScenario(scenario, { strategy, runs: Number(runsText), seed: Number(seedText), shrinkBudget: 0 });
  const ce = result.counterexample;
  console.log(JSON.stringify({ killed: ce !== null, runs: result.runs, invariant: ce?.invariant ?? null, message: ce?.message ?? null }));
} catch (error) {
  const e = error as Error;
  console.log(JSON.stringify({ killed: true, runs: null, invariant: null, message: `the mutant made the run throw: ${e.message.split('\n')[0]}` }));
}
