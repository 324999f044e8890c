/**
 * Every view agrees with the cursor, and a click explains what it lands on: charts reach the
 * cursor after a seek and after a violation click (no stale line behind a rate-limited
 * rebuild), a violation click pauses exactly at it, an end-judged violation points at its
 * causes, a message shows its payload and its causal past and future, and compare mode points
 * at the first outcome that differs. Screenshots in test-artifacts/.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../engine/index.ts';
import { findScenario, runScenario } from '../../scenarios/index.ts';
import { encodeRunLink } from '../../wire/index.ts';
import { openPage, shoot, state, waitComplete } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

/** The time of each metric sample, per series, as the CLI's run records them. */
function sampleTimes(scenario: string, strategy: string, preset: string): Map<string, number[]> {
  const sc = findScenario(scenario);
  const faults = sc.presets.find((p) => p.id === preset)!.faults(sc.params.parse({}));
  const times = new Map<string, number[]>();
  runScenario(sc, {
    strategy,
    seed: 1,
    faults,
    trace: (e: TraceEvent) => {
      if (e.type !== 'metric') return;
      const list = times.get(e.name) ?? [];
      list.push(e.t);
      times.set(e.name, list);
    },
  });
  return times;
}

/** Series whose drawn line stops short of the last sample at or before t. */
async function staleLines(page: import('playwright-core').Page, samples: Map<string, number[]>, t: number): Promise<string[]> {
  const drawn = await page.$$eval('[data-chart] path[data-series][data-run="0"]', (paths) =>
    paths.map((p) => ({ series: p.getAttribute('data-series')!, lastT: Number(p.getAttribute('data-last-t')) })),
  );
  const stale: string[] = [];
  for (const d of drawn) {
    const times = samples.get(d.series);
    if (times === undefined) continue;
    const due = times.filter((x) => x <= t).pop();
    if (due !== undefined && d.lastT < due) stale.push(`${d.series}: line ends at ${d.lastT} ms, the sample at ${due} ms is due`);
  }
  expect(drawn.length).toBeGreaterThan(0);
  return stale;
}

describe('the cursor and what it lands on', () => {
  it.each([
    { scenario: 'redis-outage', strategy: 'naive-fallback', preset: 'redis-down' },
    { scenario: 'two-phase-commit', strategy: 'in-memory', preset: 'coordinator-crash-after-decision' },
  ])('$scenario: charts reach the cursor after a seek and after a violation click, which pauses exactly at it', async ({ scenario, strategy, preset }) => {
    const samples = sampleTimes(scenario, strategy, preset);
    const sc = findScenario(scenario);
    const link = encodeRunLink({ scenario, strategy, seed: 1, params: {}, preset }, `${h.server.url}/`);
    const { page, errors } = await openPage(h.browser, link);
    await page.waitForFunction(() => window.__faultline.state().playing);
    const endMs = (await state(page)).endMs;
    // A seek while streaming, far past what has arrived.
    const target = Math.round(endMs * 0.7);
    await page.click('#play-button');
    await page.evaluate((t) => window.__faultline.seek(t), target);
    await page.waitForFunction((t) => window.__faultline.state().t === t, target);
    await page.waitForTimeout(600);
    expect(await staleLines(page, samples, target)).toEqual([]);
    await shoot(page, `cursor-after-seek-${scenario}`);
    // Play from the start and click the first violation while playing.
    await page.evaluate(() => window.__faultline.seek(0));
    await page.click('#play-button');
    await page.waitForFunction(() => window.__faultline.state().playing);
    const violation = page.locator('button.violation').first();
    const when = Number(await violation.getAttribute('data-time'));
    await violation.click();
    await page.waitForFunction((t) => Math.abs(window.__faultline.state().t - t) < 1e-6, when);
    await page.waitForTimeout(800);
    const s = await state(page);
    expect(s.playing).toBe(false);
    expect(s.t).toBe(when);
    expect(await staleLines(page, samples, when)).toEqual([]);
    await expect.poll(() => violation.getAttribute('class')).toContain('selected');
    await shoot(page, `cursor-violation-click-${scenario}`);
    // Redrawing the charts (a new size relays them out) adds no tooltip: SVG titles do not pile up.
    await page.evaluate(() => window.__faultline.seek(window.__faultline.state().endMs));
    await waitComplete(page);
    await page.waitForTimeout(400);
    const titles = await page.locator('svg title').count();
    for (const width of [1200, 1280, 1180, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
    }
    expect(await page.locator('svg title').count()).toBe(titles);
    expect(sc.invariants.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('points an end-judged violation at its causes: multi-region’s lost write, at its acknowledgement, with the story of its key', async () => {
    const mr = findScenario('multi-region');
    const faults = mr.presets.find((p) => p.id === 'region-outage')!.faults(mr.params.parse({}));
    const cli = runScenario(mr, { strategy: 'active-passive-async', seed: 1, faults, trace: 'hash' });
    const lost = cli.invariants.find((i) => i.name === 'no-acknowledged-write-lost')!.violations[0]!;
    const link = encodeRunLink(
      { scenario: 'multi-region', strategy: 'active-passive-async', seed: 1, params: {}, preset: 'region-outage', engine: 'page' },
      `${h.server.url}/`,
    );
    const { page, errors } = await openPage(h.browser, link);
    await waitComplete(page);
    const item = page.locator('li.invariant[data-invariant="no-acknowledged-write-lost"]');
    const violation = item.locator('button.violation').first();
    const judged = Number(await violation.getAttribute('data-time'));
    expect(judged).toBe(lost.time);
    const key = await violation.getAttribute('data-key');
    expect(key).not.toBeNull();
    const causes = await item.locator('.witness').evaluateAll((bs) => bs.map((b) => Number((b as HTMLElement).dataset.time)));
    // Judged at the end, explained earlier: by the acknowledgement the message names ("... at 1,074 ms")...
    expect(causes.filter((t) => t < judged).length).toBeGreaterThanOrEqual(1);
    const ackMs = Number(lost.message.match(/at ([\d,]+) ms/)![1]!.replaceAll(',', ''));
    expect(causes.some((t) => Math.abs(t - ackMs) < 5)).toBe(true);
    // ...and by every witness the scenario names.
    for (const w of (lost as { witnesses?: { t: number }[] }).witnesses ?? []) expect(causes.some((t) => Math.abs(t - w.t) < 1e-6)).toBe(true);
    await violation.click();
    await page.waitForFunction((t) => window.__faultline.state().t === t, judged);
    await expect.poll(() => page.textContent('.story-bar')).toContain(key!);
    for (const line of await page.locator('.narration-list .note:not([hidden])').allTextContents()) expect(line).toContain(key!);
    expect((await page.evaluate(() => window.__faultline.causal())).runsInFocus).toBe(1);
    // A witness click moves the cursor to that cause.
    await item.locator('.witness').first().click();
    await page.waitForFunction((t) => window.__faultline.state().t === t, causes[0]);
    await shoot(page, 'cursor-end-judged-witnesses');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a clicked message’s payload and its causal past and future', async () => {
    const link = encodeRunLink(
      { scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, preset: 'coordinator-crash-after-decision', engine: 'page' },
      `${h.server.url}/`,
    );
    const { page, errors } = await openPage(h.browser, link);
    await waitComplete(page);
    await page.click('#play-button');
    await page.evaluate(() => window.__faultline.zoom(300, 420));
    await page.evaluate(() => window.__faultline.seek(420));
    await page.waitForTimeout(300);
    const point = await page.evaluate(() => window.__faultline.messagePoint(0, 'prepare'));
    expect(point).not.toBeNull();
    await page.mouse.click(point!.x, point!.y);
    await page.waitForSelector('.message-card:not([hidden])');
    const card = await page.textContent('.message-card');
    expect(card).toContain('prepare');
    expect(card).toMatch(/"tx": "t\d+"/);
    const causal = await page.evaluate(() => window.__faultline.causal());
    expect(causal.past).toBeGreaterThan(0);
    expect(causal.future).toBeGreaterThan(0);
    await shoot(page, 'cursor-message-causality');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compares two strategies by the first outcome that differs, beside the first divergent event, highlighted in both diagrams', async () => {
    const link = `${encodeRunLink({ scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, preset: 'coordinator-crash-after-decision', compare: 'durable-log' }, `${h.server.url}/`)}`;
    const { page, errors } = await openPage(h.browser, link);
    await waitComplete(page);
    const outcome = page.locator('.outcome-link');
    const text = await outcome.textContent();
    expect(text).toMatch(/first different outcome: t\d+ on p\d/);
    expect(text).toMatch(/A: \S+.*B: \S+/);
    expect(await page.locator('.divergence-link').count()).toBe(1);
    const when = Number(await outcome.getAttribute('data-time'));
    await outcome.click();
    await page.waitForFunction((t) => window.__faultline.state().t === t, when);
    const focused = await page.evaluate(() => window.__faultline.causal());
    expect(focused.runsInFocus).toBe(2);
    await shoot(page, 'cursor-compare-outcome');
    expect(errors).toEqual([]);
    await page.close();
  });
});
