/**
 * Browser test fixtures: build the web app, start the server on an ephemeral port, launch
 * Debian's Chromium headless through playwright-core, and read what the page shows.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../server/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = `${ROOT}test-artifacts`;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Builds the web app with the project's own build command (vite build --config
 * web/vite.config.ts), into web/dist or, for a test file, a folder of its own (test files run
 * in parallel and must not overwrite each other's build).
 */
export async function buildWeb(outDir?: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [
      `${ROOT}node_modules/vite/bin/vite.js`,
      'build',
      '--config',
      `${ROOT}web/vite.config.ts`,
      '--logLevel',
      'error',
      ...(outDir === undefined ? [] : ['--outDir', outDir, '--emptyOutDir']),
    ],
    {
      cwd: ROOT,
    },
  );
}

export interface Harness {
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const webRoot = join(tmpdir(), `faultline-web-${process.pid}`);
  await buildWeb(webRoot);
  const server = await startServer({ host: '127.0.0.1', port: 0, buildIfMissing: false, webRoot });
  await warmUp(server.url);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(webRoot, { recursive: true, force: true });
    },
  };
}

/**
 * One small run before any page asks for one: the server's worker threads load the scenarios
 * (TypeScript, compiled on first import) when the first run arrives, which on a loaded machine
 * can take longer than a test's wait for its run. The set-up hook pays it, under its own bound.
 */
async function warmUp(url: string): Promise<void> {
  const res = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario: 'two-phase-commit', seed: 1 }),
  });
  if (res.status !== 201) throw new Error(`the warm-up run failed: ${res.status} ${await res.text()}`);
}

/** A page (1280x800 unless told) that fails the test on any page error. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__faultline?.ready === true, null, { timeout: 30_000 });
  return { page, errors };
}

export type PageState = ReturnType<Window['__faultline']['state']>;

export function state(page: Page): Promise<PageState> {
  return page.evaluate(() => window.__faultline.state());
}

/** Clicks Run and waits for the new run to be on screen. */
export async function run(page: Page): Promise<void> {
  const before = (await state(page)).loads;
  await page.click('#run-button');
  await page.waitForFunction((n) => window.__faultline.state().loads > n, before, { timeout: 30_000 });
}

/** Waits until every event of the runs on screen has arrived. */
export async function waitComplete(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__faultline.state().complete, null, { timeout: 30_000 });
}

/** Plays to the end at a high speed, as a user would with the speed menu and the play button. */
export async function playToEnd(page: Page): Promise<void> {
  await page.selectOption('#speed-select', '5000');
  const playing = (await state(page)).playing;
  if (!playing) await page.click('#play-button');
  await page.waitForFunction(() => window.__faultline.state().done, null, { timeout: 30_000 });
  await waitComplete(page);
}

export async function shoot(page: Page, name: string): Promise<string> {
  const path = `${ARTIFACTS}/${name}.png`;
  await page.screenshot({ path });
  return path;
}

/**
 * The values a drawn line reaches before and after time `tMs`, read off the SVG path the
 * user sees (pixel y mapped back through the chart's y axis ticks).
 */
export async function lineAround(page: Page, chart: string, series: string, tMs: number): Promise<{ before: number; after: number }> {
  return page.evaluate(
    ({ chart, series, tMs }) => {
      const svg = document.querySelector<SVGSVGElement>(`[data-chart="${chart}"] svg`)!;
      const path = svg.querySelector<SVGPathElement>(`path[data-series="${series}"][data-run="0"]`)!;
      const [d0, d1] = svg.dataset.domain!.split(',').map(Number) as [number, number];
      const [r0, r1] = svg.dataset.range!.split(',').map(Number) as [number, number];
      const xAt = r0 + ((tMs - d0) / (d1 - d0)) * (r1 - r0);
      // The y axis: map pixel y back to a value through two ticks (d3 keeps each tick's value on it).
      const ticks = [...svg.querySelectorAll<SVGGElement>('.y-axis .tick')].map((t) => ({
        y: Number(t.getAttribute('transform')!.match(/,\s*([\d.]+)/)![1]),
        v: Number((t as unknown as { __data__: number }).__data__),
      }));
      const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
      const value = (y: number): number => a.v + ((y - a.y) / (b.y - a.y)) * (b.v - a.v);
      const nums = (path.getAttribute('d') ?? '').match(/-?[\d.]+(e-?\d+)?/g)!.map(Number);
      let before = Number.NEGATIVE_INFINITY;
      let after = Number.NEGATIVE_INFINITY;
      for (let i = 0; i + 1 < nums.length; i += 2) {
        const v = value(nums[i + 1]!);
        if (nums[i]! < xAt) before = Math.max(before, v);
        else after = Math.max(after, v);
      }
      return { before, after };
    },
    { chart, series, tMs },
  );
}

/** axe-core's serious and critical violations on the page as it stands (run through the debugger protocol, so the CSP allows it). */
export async function axeProblems(page: Page): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  const source = readFileSync(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 6).map((n) => n.target.join(' ')) }));
  });
}

/** Bounding boxes of the visible elements matching `selector` that overlap one another (by more than a pixel). */
export async function overlapping(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const boxes = [...document.querySelectorAll<Element>(sel)]
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ e, r }) => r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && (e as HTMLElement).closest?.('[hidden]') == null);
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.push(`'${boxes[i]!.e.textContent?.trim().slice(0, 20)}' overlaps '${boxes[j]!.e.textContent?.trim().slice(0, 20)}'`);
      }
    }
    return out;
  }, selector);
}
