/**
 * The engine's deterministic math and its golden table, bundled by esbuild into one script
 * for the determinism test to run inside Chromium. Exposed on `window.determinism`.
 */
import { DetMath } from '../../engine/index.ts';
import { checkGoldenTable, type DetMathGoldenTable } from '../engine/det-math-golden.ts';
import table from '../engine/fixtures/det-math-golden.json';

(globalThis as unknown as { determinism: unknown }).determinism = {
  run: () => checkGoldenTable(table as unknown as DetMathGoldenTable, DetMath),
};
