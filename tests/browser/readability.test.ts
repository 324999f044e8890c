/**
 * Readable at any size and usable without a mouse or without sight: a 16-node scenario at
 * 1280x800 with no overlapping labels (measured from their bounding boxes), 1024x768 with
 * the sidebar folded and the tabs whole, colours of a state the same in every run, and
 * axe-core finding no serious or critical problem on the main page, the compare view and an
 * error state. Screenshots in test-artifacts/.
 */
import { describe, expect, it } from 'vitest';
import { encodeRunLink } from '../../wire/index.ts';
import { axeProblems, openPage, overlapping, shoot, state, waitComplete } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

const link = (scenario: string, strategy: string, extra = '') => `${h.server.url}/#/run?scenario=${scenario}&strategy=${strategy}&seed=1${extra}`;

describe('readable at any size', () => {
  it('lays out a 16-node scenario at 1280x800 with no label over another, lanes grouped by role and foldable', async () => {
    const { page, errors } = await openPage(h.browser, link('hotspot', 'plain'));
    await waitComplete(page);
    await page.click('#play-button');
    await page.evaluate(() => window.__faultline.seek(window.__faultline.state().endMs * 0.4));
    await page.waitForTimeout(400);
    expect(await page.locator('#panel-topology g.node').count()).toBe(16);
    // Lane labels, group headers, topology names and state pills, legends: none over another.
    expect(await overlapping(page, '.lane-gutter .lane-label, .lane-gutter .lane-group')).toEqual([]);
    expect(await overlapping(page, '#panel-topology .node-name, #panel-topology .node-pill:not([visibility="hidden"]) rect')).toEqual([]);
    expect(await overlapping(page, '.chart-card[data-chart] .chart-legend > *')).toEqual([]);
    expect(await overlapping(page, '.spacetime-legend .legend-item')).toEqual([]);
    // No lane label is cut.
    const cut = await page.$$eval('.lane-gutter .lane-label, .lane-gutter .lane-group', (ls) =>
      ls.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent),
    );
    expect(cut).toEqual([]);
    await shoot(page, 'readable-16-nodes');
    // Unfold a folded group: its lanes come back, still without overlap (the diagram scrolls if it must).
    const folded = page.locator('.lane-group[aria-expanded="false"]').first();
    if ((await folded.count()) > 0) {
      const role = await folded.getAttribute('data-role');
      await folded.click();
      await expect.poll(() => page.getAttribute(`.lane-group[data-role="${role}"]`, 'aria-expanded')).toBe('true');
      expect(await overlapping(page, '.lane-gutter .lane-label, .lane-gutter .lane-group')).toEqual([]);
      await shoot(page, 'readable-16-nodes-unfolded');
    }
    // Many series: the legend toggles them, the busiest shown first.
    const toggles = page.locator('[data-chart] .legend-toggle');
    expect(await toggles.count()).toBeGreaterThan(8);
    const first = toggles.first();
    const pressed = await first.getAttribute('aria-pressed');
    await first.click();
    expect(await first.getAttribute('aria-pressed')).not.toBe(pressed);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stays usable at 1024x768: the sidebar folds away and the tabs are whole', async () => {
    const { page, errors } = await openPage(h.browser, link('two-phase-commit', 'in-memory', '&preset=coordinator-crash-after-decision'), {
      width: 1024,
      height: 768,
    });
    await waitComplete(page);
    await page.click('#setup-toggle');
    await expect.poll(() => page.isVisible('#setup')).toBe(false);
    expect(await page.getAttribute('#setup-toggle', 'aria-expanded')).toBe('false');
    const tabs = await page.$$eval('.panel-verdicts .tab', (ts) =>
      ts.map((t) => {
        const r = t.getBoundingClientRect();
        const p = t.closest('.panel')!.getBoundingClientRect();
        return { text: t.textContent, whole: r.left >= p.left && r.right <= p.right && t.scrollWidth <= t.clientWidth + 1 };
      }),
    );
    expect(tabs.every((t) => t.whole)).toBe(true);
    expect(await overlapping(page, '.lane-gutter .lane-label, .lane-gutter .lane-group')).toEqual([]);
    await shoot(page, 'readable-1024x768');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives a state the same colour in every run of a scenario', async () => {
    const colours = async (strategy: string) => {
      const { page } = await openPage(h.browser, link('two-phase-commit', strategy, '&preset=coordinator-crash-after-prepare&engine=page'));
      await waitComplete(page);
      const map = await page.$$eval('.topology-legend .legend-item', (items) =>
        Object.fromEntries(items.map((i) => [i.textContent!.trim(), (i.querySelector('.swatch') as HTMLElement | null)?.style.background ?? ''])),
      );
      await page.close();
      return map;
    };
    const a = await colours('in-memory');
    const b = await colours('cooperative');
    const shared = Object.keys(a).filter((k) => k in b && a[k] !== '');
    expect(shared.length).toBeGreaterThan(3);
    for (const k of shared) expect(b[k], k).toBe(a[k]);
  });
});

describe('accessible', () => {
  it('has no serious or critical axe-core problem on the main page, the compare view and an error state', async () => {
    const { page, errors } = await openPage(h.browser, link('two-phase-commit', 'in-memory', '&preset=coordinator-crash-after-decision'));
    await waitComplete(page);
    expect(await axeProblems(page)).toEqual([]);
    // An h1, named controls, body text of at least 11 px.
    expect(await page.locator('h1').count()).toBe(1);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.childNodes.length > 0 && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim() !== ''))
        .filter((e) => !e.closest('.sr-only, svg, [hidden]') && e.getBoundingClientRect().width > 0)
        .filter((e) => Number.parseFloat(getComputedStyle(e).fontSize) < 11)
        .map((e) => `${e.className}: ${getComputedStyle(e).fontSize}`),
    );
    expect(small).toEqual([]);
    await page.goto(
      encodeRunLink(
        { scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, preset: 'coordinator-crash-after-decision', compare: 'durable-log' },
        `${h.server.url}/`,
      ),
    );
    await page.waitForFunction(() => window.__faultline.state().events.length === 2 && window.__faultline.state().complete, null, { timeout: 30_000 });
    expect(await axeProblems(page)).toEqual([]);
    await page.goto(`${h.server.url}/#/run?scenario=two-phase-commit&seed=abc`);
    await page.waitForFunction(() => document.querySelector('.stage-alert')?.textContent !== '');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets the keyboard reach the time slider, which reads its value out', async () => {
    const { page, errors } = await openPage(h.browser, link('two-phase-commit', 'in-memory', '&engine=page'));
    await waitComplete(page);
    await page.waitForFunction(() => window.__faultline.state().playing);
    await page.click('#play-button');
    await page.focus('#scrubber');
    await page.keyboard.press('Home');
    await page.keyboard.press('PageUp');
    const s = await state(page);
    expect(s.t).toBeGreaterThan(0);
    const slider = page.locator('[role="slider"]#scrubber');
    await expect.poll(async () => Number(await slider.getAttribute('aria-valuenow'))).toBeCloseTo(s.t, 3);
    expect(await slider.getAttribute('aria-valuetext')).toMatch(/ms of [\d,.]+ (ms|s)/);
    // The event log's rows in sight, as text.
    expect(await page.locator('.log-text li').count()).toBeGreaterThan(3);
    await shoot(page, 'accessible-slider');
    expect(errors).toEqual([]);
    await page.close();
  });
});
