/**
 * The history view: a run that records its clients' history gets a "Client history" tab
 * beside the space-time diagram — a lane per client process, a bar per operation, the
 * operations the violated claim's anomaly names highlighted and explained — from the server's
 * stream and from the page's own engine, one block of lanes per run in compare mode; clicking
 * an operation or the anomaly pauses there and moves the cursor drawn on the lanes; a run
 * without a history shows no such tab. Counts are checked against the run's own history, as
 * the CLI's run records it. Screenshots in test-artifacts/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findScenario, invariantsFor, runScenario } from '../../scenarios/index.ts';
import { type RunHistory, summarizeHistory } from '../../wire/index.ts';
import { axeProblems, openPage, shoot, state, waitComplete } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

/** The history the page should show, computed here as the run task computes it. */
function expectedHistory(scenario: string, strategy: string): RunHistory {
  const sc = findScenario(scenario);
  const result = runScenario(sc, { strategy, seed: 1, history: true });
  return summarizeHistory(result.history!, invariantsFor(sc, strategy), result.invariants)!;
}

/** Opens a run, waits for every event (the end first: a stream sends events as the playhead reaches them), and shows the history tab. */
async function openHistory(query: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(h.browser, `${h.server.url}/#/run?${query}`);
  const { page } = opened;
  await page.waitForFunction(() => window.__faultline.state().endMs > 0 && !window.__faultline.state().computing, null, { timeout: 30_000 });
  await page.evaluate(() => window.__faultline.seek(window.__faultline.state().endMs));
  await waitComplete(page);
  await page.click('#panel-spacetime [data-panel-tab="1"]');
  await expect.poll(() => page.isVisible('#panel-history')).toBe(true);
  expect(await page.isVisible('#panel-spacetime')).toBe(false);
  return opened;
}

async function counts(page: Page): Promise<{ lanes: number; bars: number; named: number; chosen: number; main: number; processes: string[] }> {
  return page.evaluate(() => {
    const q = (s: string) => document.querySelectorAll(`#panel-history ${s}`).length;
    return {
      lanes: q('.history-lane'),
      bars: q('g.hop'),
      named: q('g.hop.named'),
      chosen: q('g.hop.chosen'),
      main: q('g.hop.main'),
      processes: [...document.querySelectorAll<SVGTextElement>('#panel-history .history-lane-label')].map((l) => l.dataset.process!),
    };
  });
}

/** The cursor line's x on the lanes, and the edges of an operation's bar. */
async function cursorAndBar(page: Page, op: number): Promise<{ cursor: number; barStart: number; barEnd: number }> {
  return page.evaluate((id) => {
    const line = document.querySelector<SVGLineElement>('#panel-history .history-lanes .history-cursor')!;
    const rect = document.querySelector<SVGRectElement>(`#panel-history g.hop[data-op="${id}"] rect`)!;
    const x = Number(rect.getAttribute('x'));
    return { cursor: Number(line.getAttribute('x1')), barStart: x, barEnd: x + Number(rect.getAttribute('width')) };
  }, op);
}

describe('the history view', () => {
  it.each([
    ['read-replicas', 'replica-reads', 'the server stream', ''],
    ['multi-region', 'active-passive-async', "the page's engine", '&engine=page'],
  ])(
    'shows %s/%s from %s: a lane per process, a bar per operation, the anomaly highlighted; a click pauses on it',
    async (scenario, strategy, _source, extra) => {
      const expected = expectedHistory(scenario, strategy);
      const claim = expected.claims.find((c) => c.verdict === 'violated')!;
      expect(claim).toBeDefined();
      const first = claim.anomalies[0]!;
      const { page, errors } = await openHistory(`scenario=${scenario}&strategy=${strategy}&seed=1${extra}`);

      // Lanes and bars, against the run's own history.
      const seen = await counts(page);
      const processes = [...new Set(expected.operations.map((op) => op.process))];
      expect(seen.lanes).toBe(processes.length);
      expect([...seen.processes].sort()).toEqual([...processes].sort());
      expect(seen.bars).toBe(expected.operations.length);
      // A session's threads sit right under it.
      for (const [i, p] of seen.processes.entries()) if (p.includes('#')) expect(seen.processes[i - 1]!.split('#')[0]).toBe(p.split('#')[0]);
      // Every operation an anomaly names is outlined; the first anomaly's are filled, the one it is about strongest.
      expect(seen.named).toBe(new Set(claim.anomalies.flatMap((a) => a.operations)).size);
      expect(seen.chosen).toBe(first.operations.length);
      expect(seen.main).toBe(first.main === null ? 0 : 1);
      expect(await page.textContent('#panel-history .history-anomaly-text')).toBe(first.explanation);
      expect(await page.textContent(`#panel-history .history-claim[data-invariant="${claim.invariant}"]`)).toContain('✗');
      await shoot(page, `history-${scenario}`);

      // The tooltip says what the operation did.
      const main = expected.operations.find((op) => op.id === first.main)!;
      const bar = page.locator(`#panel-history g.hop[data-op="${main.id}"] rect`);
      await bar.hover();
      await expect.poll(() => page.isVisible('#panel-history .history-tooltip')).toBe(true);
      const tip = (await page.textContent('#panel-history .history-tooltip'))!;
      expect(tip).toContain(main.process);
      expect(tip).toContain(main.f);
      expect(tip).toContain(`operation ${main.name}`);
      await shoot(page, `history-${scenario}-tooltip`);

      // A click on the operation pauses at its completion, and the cursor is drawn there.
      await bar.click();
      await expect.poll(async () => (await state(page)).t).toBeCloseTo(main.completeMs!, 6);
      expect((await state(page)).playing).toBe(false);
      const at = await cursorAndBar(page, main.id);
      // At the bar's end (a bar of a few microseconds is drawn a few pixels wide).
      expect(at.cursor).toBeGreaterThanOrEqual(at.barStart - 0.5);
      expect(at.cursor).toBeLessThanOrEqual(at.barEnd + 0.5);
      expect(await page.getAttribute(`#panel-history g.hop[data-op="${main.id}"]`, 'class')).toContain('selected');

      // A click on the anomaly pauses at it and narrows the shared window to its operations.
      await page.evaluate(() => window.__faultline.seek(0));
      await page.click('#panel-history .history-anomaly-text');
      await expect.poll(async () => (await state(page)).t).toBeCloseTo(main.completeMs!, 6);
      await page.waitForTimeout(200);
      await shoot(page, `history-${scenario}-anomaly`);

      // Back to the diagram: the same tabs, the diagram shown again.
      await page.click('#panel-history [data-panel-tab="0"]');
      await expect.poll(() => page.isVisible('#panel-spacetime')).toBe(true);
      expect(await page.isVisible('#panel-history')).toBe(false);
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it('in compare mode shows one block of lanes per run, each with its own verdict', async () => {
    const a = expectedHistory('read-replicas', 'replica-reads');
    const b = expectedHistory('read-replicas', 'lsn-wait');
    const { page, errors } = await openHistory('scenario=read-replicas&strategy=replica-reads&seed=1&compare=lsn-wait');
    const seen = await counts(page);
    expect(seen.bars).toBe(a.operations.length + b.operations.length);
    expect(await page.locator('#panel-history .history-run-header').allTextContents()).toEqual(['A: replica-reads', 'B: lsn-wait']);
    expect(await page.locator('#panel-history .history-claim.violated').count()).toBe(1);
    expect(await page.locator('#panel-history .history-claim.held').count()).toBe(1);
    await shoot(page, 'history-compare');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is readable and accessible: no lane label over another, no serious axe problem', async () => {
    const { page, errors } = await openHistory('scenario=multi-region&strategy=active-passive-async&seed=1');
    const labels = await page.$$eval('#panel-history .history-lane-label', (ls) => ls.map((l) => l.getBoundingClientRect()).map((r) => [r.top, r.bottom]));
    for (let i = 1; i < labels.length; i++) expect(labels[i]![0]!).toBeGreaterThanOrEqual(labels[i - 1]![1]! - 1);
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is not offered for a run that records no history', async () => {
    const { page, errors } = await openPage(h.browser, `${h.server.url}/#/run?scenario=cache-stampede&seed=1`);
    await page.waitForFunction(() => window.__faultline.state().endMs > 0 && !window.__faultline.state().computing, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    expect(await page.isVisible('#panel-spacetime')).toBe(true);
    expect(await page.isVisible('#panel-history')).toBe(false);
    expect(await page.isVisible('.panel-switch')).toBe(false);
    expect(await page.locator('#panel-history g.hop').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
