/**
 * Instant first frame: a run is drawn while it is still computed — streamed by the server as
 * it computes it, or made by the page's engine in slices — and, once complete, its trace
 * hash is the one `faultline run` computes (the link carries it: the top bar's ✓ compares the
 * whole run, and the page re-hashes every event it received).
 */
import { describe, expect, it } from 'vitest';
import { findScenario, runScenario } from '../../scenarios/index.ts';
import { encodeRunLink, executeRun, validateRun } from '../../wire/index.ts';
import { openPage, shoot, state } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

// About 280,000 trace events: several seconds of computing, and under the server's bound.
const RUN = { scenario: 'cache-strategies', strategy: 'lease', seed: 4, params: { requestsPerSec: 10_000, workloadMs: 1_000 }, faults: [] };
// `faultline run` hashes the trace as it is recorded (HashTrace); the run task counts the trace events.
const cli = {
  traceHash: runScenario(findScenario(RUN.scenario), { strategy: RUN.strategy, seed: RUN.seed, params: RUN.params, faults: [], trace: 'hash' }).traceHash!,
  traceEvents: executeRun({ ...validateRun(RUN), traceEventsMax: 2_000_000 }).summary.traceEvents,
};

describe.each([
  ['the server', ''],
  ["the page's engine", '&engine=page'],
])('a large run computed by %s', (_name, engine) => {
  it('shows its first frame and partial events while it still computes, then the CLI’s trace hash for the whole run', async () => {
    const link = `${encodeRunLink({ ...RUN, hash: cli.traceHash }, h.server.url)}${engine}`;
    const { page, errors } = await openPage(h.browser, link);

    // Drawn while computing: events on screen, the progress banner counting them, no verdict yet
    // (read in one look, inside the page, while it holds).
    const handle = await page.waitForFunction(
      () => {
        const s = window.__faultline.state();
        const progress = document.getElementById('run-progress')!;
        const seen = {
          ...s,
          progress: progress.hidden ? '' : (progress.textContent ?? ''),
          badge: document.querySelector('#topbar .badge')?.textContent ?? '',
        };
        return s.computing && s.firstFrameMs !== null && s.events[0]! > 0 && /[\d,]+ events, .* simulated so far/.test(seen.progress) ? seen : null;
      },
      null,
      { timeout: 60_000, polling: 10 },
    );
    const partial = (await handle.jsonValue())!;
    expect(partial.complete).toBe(false);
    expect(partial.events[0]).toBeLessThan(cli.traceEvents);
    expect(partial.badge).toBe('computing…');
    await shoot(page, `streaming-partial${engine === '' ? '-server' : '-page'}`);

    await page.keyboard.press('End');
    await page.waitForFunction(() => window.__faultline.state().complete, null, { timeout: 120_000 });
    const done = await state(page);
    expect(done.computing).toBe(false);
    expect(done.events[0]).toBe(cli.traceEvents);
    expect(done.hashes).toEqual([cli.traceHash]);
    const item = page.locator('#trace-hash .hash-item');
    await expect.poll(() => item.getAttribute('data-compared')).toBe('equal');
    await expect.poll(() => item.getAttribute('data-verified')).toBe('true');
    expect(await page.locator('#run-progress').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
