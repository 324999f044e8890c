/**
 * Frame time of the visualizer on a ~100,000-event run, in headless Chromium.
 *
 * Opens two-phase-commit with 2,000 transfers over 60 s of workload (107,851 trace events)
 * as a shared link run by the page's own engine (Web Worker), pauses playback, then scrubs
 * the cursor across the whole run in N steps. Each step calls the page's renderAll(t), which
 * redraws every view (topology, space-time diagram, charts, histogram, narration, verdicts,
 * event log, scrubber), and is timed with performance.now() around that drawing work — not
 * around requestAnimationFrame, which headless Chromium ticks at 60 Hz whatever the cost. A
 * second figure adds a forced style and layout pass after the drawing. Two views of the
 * space-time diagram are measured: the whole run (density lanes) and a 2-second window that
 * follows the cursor (one arrow per message).
 *
 *   npm run bench:web              (builds the web app first)
 *   npm run bench:web -- --steps 500 --no-build
 *
 * Prints one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { findScenario, parseParams } from '../scenarios/index.ts';
import { startServer } from '../server/index.ts';
import { encodeRunLink } from '../wire/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(arg('--steps') ?? 300);
const PARAMS = { transfers: 2000, workloadMs: 60_000 };

if (!process.argv.includes('--no-build')) {
  execFileSync(process.execPath, [`${ROOT}node_modules/vite/bin/vite.js`, 'build', '--config', `${ROOT}web/vite.config.ts`, '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

const scenario = findScenario('two-phase-commit');
const params = parseParams(scenario, PARAMS);
const faults = scenario.presets.find((p) => p.id === 'coordinator-crash-after-prepare')!.faults(params);

const server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const link = `${encodeRunLink({ scenario: scenario.id, strategy: 'in-memory', seed: 1, params: PARAMS, faults }, server.url)}&engine=page`;
  await page.goto(link);
  await page.waitForFunction(() => window.__faultline?.ready && window.__faultline.state().complete, null, { timeout: 120_000 });
  await page.keyboard.press(' ');
  await page.waitForFunction(() => !window.__faultline.state().playing);

  // Plain JavaScript evaluated in the page (kept as text so the TypeScript loader adds nothing to it).
  const SCRUB = `({ steps, zoomMs }) => {
    const f = window.__faultline;
    const end = f.state().endMs;
    const at = (i) => (end * i) / steps;
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
      return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
    };
    const zoomTo = (t) => {
      if (zoomMs !== null) f.zoom(Math.max(0, t - zoomMs * 0.75), Math.max(0, t - zoomMs * 0.75) + zoomMs);
    };
    for (let i = 0; i < 20; i++) {
      zoomTo(at(i));
      f.renderAll(at(i));
    }
    const draw = [];
    const drawLayout = [];
    let mode = '';
    for (let i = 0; i <= steps; i++) {
      zoomTo(at(i));
      const start = performance.now();
      draw.push(f.renderAll(at(i)));
      document.body.getBoundingClientRect();
      drawLayout.push(performance.now() - start);
      if (i === steps >> 1) mode = f.state().spacetimeMode;
    }
    return { spacetime: mode, drawMs: stats(draw), drawPlusLayoutMs: stats(drawLayout) };
  }`;
  type Scrub = { spacetime: string; drawMs: Record<string, number>; drawPlusLayoutMs: Record<string, number> };
  const measure = (zoomMs: number | null): Promise<Scrub> => page.evaluate(`(${SCRUB})(${JSON.stringify({ steps: STEPS, zoomMs })})`) as Promise<Scrub>;

  const whole = await measure(null);
  const zoomed = await measure(2000);
  const state = await page.evaluate(() => window.__faultline.state());
  await page.screenshot({ path: `${ROOT}test-artifacts/bench-web-100k.png` });
  const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  console.log(
    JSON.stringify(
      {
        bench: 'web-frame-time',
        chromium: browser.version(),
        viewport: '1280x800',
        scenario: scenario.id,
        params: PARAMS,
        traceEvents: state.events[0],
        endMs: state.endMs,
        scrubSteps: STEPS + 1,
        wholeRun: { spacetime: whole.spacetime, drawMs: round(whole.drawMs), drawPlusLayoutMs: round(whole.drawPlusLayoutMs) },
        twoSecondWindow: { spacetime: zoomed.spacetime, drawMs: round(zoomed.drawMs), drawPlusLayoutMs: round(zoomed.drawPlusLayoutMs) },
        targets: { medianMs: 16, p95Ms: 33 },
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.close();
}
