/**
 * The visualizer on a run of more than a million trace events, in headless Chromium: how
 * soon its first frame shows, and how long a scrub step takes once the run is complete.
 *
 * The run: cache-strategies, lease (a sound strategy), 20,000 requests/s over 2 s of
 * workload, seed 1 — 1,093,730 trace events over 4.5 s of simulated time. It is opened as a
 * link run by the page's own engine (the Web Worker computes it in slices while the page
 * draws), and then streamed by the server (which computes it while it streams; this bench's
 * server takes runs of up to 2,000,000 trace events, where a default one stops at 1,000,000).
 *
 *  - firstFrameMs: from the page asking for the run (App.run) to the first frame that drew
 *    its events, measured in the page with performance.now(); `sinceNavigationMs` adds the
 *    page's own loading (from the navigation's start).
 *  - scrub: with the run complete and paused, the cursor crosses the whole run in N steps;
 *    each step calls renderAll(t), which redraws every view (topology, space-time diagram,
 *    charts, histogram, narration, verdicts, event log, scrubber), timed around that drawing
 *    work — not around requestAnimationFrame, which headless Chromium ticks at 60 Hz whatever
 *    the cost. A second figure adds a forced style and layout pass. The diagram shows the
 *    whole run (density lanes), then a 2-second window following the cursor (one arrow per
 *    message).
 *
 *   npm run bench:web                  (builds the web app first; prints everything)
 *   npm run bench:web -- --json        (one JSON object: events, firstFrameMs, scrub, and the rest)
 *   npm run bench:web -- --steps 500 --no-build --page-only
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startServer } from '../server/index.ts';
import { encodeRunLink } from '../wire/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(arg('--steps') ?? 300);
const JSON_ONLY = process.argv.includes('--json');
const RUN = { scenario: 'cache-strategies', strategy: 'lease', seed: 1, params: { requestsPerSec: 20_000, workloadMs: 2_000 }, faults: [] };

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

if (!process.argv.includes('--no-build')) {
  // The build's output goes to stderr: stdout carries the result only.
  execFileSync(process.execPath, [`${ROOT}node_modules/vite/bin/vite.js`, 'build', '--config', `${ROOT}web/vite.config.ts`, '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
}

interface Stats {
  median: number;
  p95: number;
  max: number;
}
interface Scrub {
  spacetime: string;
  drawMs: Stats;
  drawPlusLayoutMs: Stats;
}
interface Opened {
  events: number;
  endMs: number;
  hash: string;
  firstFrameMs: number;
  sinceNavigationMs: number;
  /** Trace events the page held when it drew its first frame. */
  firstFrameEvents: number;
  completeMs: number;
}

/** Opens the run's link and waits for its first frame, then for the whole run. */
async function open(page: Page, url: string, engine: 'page' | 'server'): Promise<Opened> {
  const link = `${encodeRunLink(RUN, url)}${engine === 'page' ? '&engine=page' : ''}`;
  await page.goto(link);
  await page.waitForFunction(() => window.__faultline?.state().firstFrameMs != null, null, { timeout: 120_000, polling: 5 });
  const first = await page.evaluate(() => ({ ...window.__faultline.state(), now: performance.now() }));
  await page.waitForFunction(() => window.__faultline.state().complete, null, { timeout: 300_000, polling: 200 });
  const done = await page.evaluate(() => ({ ...window.__faultline.state(), now: performance.now() }));
  return {
    events: done.events[0]!,
    endMs: done.endMs,
    hash: done.hashes[0]!,
    firstFrameMs: round(first.firstFrameMs!),
    sinceNavigationMs: round(first.firstFrameAtMs!),
    firstFrameEvents: first.events[0] ?? 0,
    completeMs: round(done.now - first.firstFrameAtMs! + first.firstFrameMs!),
  };
}

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

async function scrub(page: Page): Promise<{ wholeRun: Scrub; twoSecondWindow: Scrub }> {
  await page.keyboard.press(' ');
  await page.waitForFunction(() => !window.__faultline.state().playing);
  const measure = async (zoomMs: number | null): Promise<Scrub> => {
    const r = (await page.evaluate(`(${SCRUB})(${JSON.stringify({ steps: STEPS, zoomMs })})`)) as Scrub;
    return { spacetime: r.spacetime, drawMs: roundAll(r.drawMs), drawPlusLayoutMs: roundAll(r.drawPlusLayoutMs) };
  };
  const wholeRun = await measure(null);
  const twoSecondWindow = await measure(2000);
  return { wholeRun, twoSecondWindow };
}

const round = (x: number): number => Math.round(x * 10) / 10;
const roundAll = (o: Stats): Stats => ({ median: Math.round(o.median * 100) / 100, p95: Math.round(o.p95 * 100) / 100, max: Math.round(o.max * 100) / 100 });

const server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, limits: { traceEventsMax: 2_000_000 } });
let browser: Browser | null = null;
try {
  browser = await chromium.launch({
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
  const inPage = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageRun = await open(inPage, server.url, 'page');
  log(`page engine: first frame ${pageRun.firstFrameMs} ms (${pageRun.firstFrameEvents} events), complete after ${pageRun.completeMs} ms`);
  const scrubbed = await scrub(inPage);
  log(`scrub, whole run: median ${scrubbed.wholeRun.drawMs.median} ms, p95 ${scrubbed.wholeRun.drawMs.p95} ms`);
  await inPage.screenshot({ path: `${ROOT}test-artifacts/bench-web-1m.png` });
  await inPage.close();

  let streamed: Opened | null = null;
  if (!process.argv.includes('--page-only')) {
    const fromServer = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    streamed = await open(fromServer, server.url, 'server');
    log(`server stream: first frame ${streamed.firstFrameMs} ms (${streamed.firstFrameEvents} events), complete after ${streamed.completeMs} ms`);
    await fromServer.close();
  }

  const result = {
    bench: 'web-frame-time',
    chromium: browser.version(),
    viewport: '1280x800',
    run: RUN,
    events: pageRun.events,
    endMs: pageRun.endMs,
    traceHash: pageRun.hash,
    firstFrameMs: pageRun.firstFrameMs,
    scrub: { medianMs: scrubbed.wholeRun.drawMs.median, p95Ms: scrubbed.wholeRun.drawMs.p95 },
    pageEngine: { ...pageRun, scrubSteps: STEPS + 1, wholeRun: scrubbed.wholeRun, twoSecondWindow: scrubbed.twoSecondWindow },
    serverStream: streamed,
    targets: { firstFrameMs: 1000, scrubMedianMs: 16, scrubP95Ms: 33 },
  };
  if (streamed !== null && streamed.hash !== pageRun.hash) throw new Error(`the server's run hashes ${streamed.hash}, the page's ${pageRun.hash}`);
  process.stdout.write(`${JSON.stringify(result, null, JSON_ONLY ? 0 : 2)}\n`);
} finally {
  await browser?.close();
  await server.close();
}
