/**
 * The golden trace-hash runs of every scenario, bundled by esbuild into one script for the
 * determinism test to run inside Chromium with the same code Node runs. Exposed on
 * `window.determinism`.
 */
import { goldenHash, goldenRuns } from '../golden/golden-runs.ts';

(globalThis as unknown as { determinism: unknown }).determinism = {
  run: () => goldenRuns().map((row) => ({ ...row, hash: goldenHash(row) })),
};
