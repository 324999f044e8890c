/**
 * The visualizer in headless Chromium, driven the way a user drives it: pick, run, play,
 * click. Every case saves a screenshot in test-artifacts/ to be looked at.
 */
import { describe, expect, it } from 'vitest';
import { describeScenario, findScenario, runScenario, scenarios } from '../../scenarios/index.ts';
import { encodeRunLink } from '../../wire/index.ts';
import { lineAround, openPage, playToEnd, run, shoot, state, waitComplete } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

const twoPc = findScenario('two-phase-commit');
const defaults = describeScenario(twoPc).defaults;
const presetFaults = (id: string) => twoPc.presets.find((p) => p.id === id)!.faults(defaults);
const cliHash = (strategy: string, seed: number, faults: ReturnType<typeof presetFaults>): string =>
  runScenario(twoPc, { strategy, seed, faults, trace: 'hash' }).traceHash!;

describe('the visualizer', () => {
  it('shows a coordinator crash after PREPARE leaving participants in doubt, with the CLI trace hash', async () => {
    const { page, errors } = await openPage(h.browser, `${h.server.url}/`);

    await page.selectOption('#scenario-select', 'two-phase-commit');
    await page.check('label[data-strategy="in-memory"] input');
    await page.selectOption('#preset-select', 'coordinator-crash-after-prepare');
    await page.fill('#seed-input', '4');
    await run(page);
    expect(await page.textContent('#run-title')).toContain('in-memory · seed 4');
    await playToEnd(page);

    // The trace hash is the CLI's, and the page re-computed it from the events it received.
    const expected = cliHash('in-memory', 4, presetFaults('coordinator-crash-after-prepare'));
    await page.waitForSelector('#trace-hash .hash-item[data-verified="true"]');
    expect(await page.getAttribute('#trace-hash .hash-item', 'data-hash')).toBe(expected);
    expect(await page.textContent('#trace-hash')).toContain(expected);
    // The blocking story is in the narration.
    await page.check('.panel-narration input[type="checkbox"]');
    await page.hover('.narration-list');
    await page.mouse.wheel(0, -100_000);
    const story = (await page.locator('.narration-list .note:not([hidden])').allTextContents()).join('\n');
    expect(story).toMatch(/in doubt and still holds the lock/);
    // A click on that note moves every view there: a participant is in doubt, the coordinator is down.
    await page.locator('.narration-list .note:not([hidden])', { hasText: 'in doubt' }).first().click();
    await page.waitForSelector('#panel-topology g.node[data-state="in-doubt"]');
    expect(await page.getAttribute('#panel-topology g.node[data-node="coordinator"]', 'data-status')).toBe('crashed');
    await shoot(page, 'browser-2pc-in-doubt');
    // Keyboard: Home, a step, space to play.
    await page.click('#panel-spacetime .panel-header');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => window.__faultline.state().t === 0);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => window.__faultline.state().t > 0);
    await page.keyboard.press(' ');
    await page.waitForFunction(() => window.__faultline.state().playing);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compares two strategies on one time axis with a metrics table and the first divergence', async () => {
    const { page, errors } = await openPage(h.browser, `${h.server.url}/`);

    await page.check('label[data-strategy="in-memory"] input');
    await page.selectOption('#preset-select', 'coordinator-crash-after-decision');
    await page.fill('#seed-input', '2');
    await page.selectOption('#compare-mode', 'strategy');
    await page.selectOption('#compare-strategy', 'durable-log');
    await run(page);
    expect(await page.textContent('#run-title')).toContain('vs');
    await playToEnd(page);

    const faults = presetFaults('coordinator-crash-after-decision');
    const hashes = await page.locator('#trace-hash .hash-item').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.hash));
    expect(hashes).toEqual([cliHash('in-memory', 2, faults), cliHash('durable-log', 2, faults)]);
    const table = await page.textContent('.metrics-table');
    expect(table).toContain('A: in-memory');
    expect(table).toContain('B: durable-log');
    expect(table).toContain('B − A');
    expect(await page.textContent('.divergence')).toMatch(/runs diverge at event #\d+/);
    expect(await page.locator('.scrubber .mark').count()).toBeGreaterThan(0);
    expect(await page.locator('#panel-topology g.run-group').count()).toBe(2);
    expect(await page.locator('[data-chart="in-doubt"] path[data-run="1"]').count()).toBe(1);
    await shoot(page, 'browser-compare');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a counterexample link, shows the atomicity violation in red, and jumps to it', async () => {
    const faults = [{ at: 300, kind: 'crash' as const, node: 'coordinator', when: 'commit-sent' }];
    const link = encodeRunLink({ scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, faults }, h.server.url);
    const { page, errors } = await openPage(h.browser, link);
    await page.click('#panel-spacetime .panel-header');
    await page.keyboard.press('End');
    await waitComplete(page);

    const atomicity = page.locator('.invariant[data-invariant="atomicity"]').first();
    expect(await atomicity.getAttribute('data-ok')).toBe('false');
    expect(await atomicity.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(253, 238, 228)');
    expect(await atomicity.locator('.verdict-text').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(168, 67, 0)');
    expect(await page.textContent('#verdict')).toContain('atomicity');
    const when = Number(await atomicity.locator('.violation').first().getAttribute('data-time'));
    await atomicity.locator('.violation').first().click();
    await page.waitForFunction((t) => Math.abs(window.__faultline.state().t - t) < 1e-6, when);
    expect(await page.getAttribute('#trace-hash .hash-item', 'data-hash')).toBe(cliHash('in-memory', 1, faults));
    await shoot(page, 'browser-counterexample');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('edits the fault plan (add, drag on the timeline, remove) and checks parameters against their bounds', async () => {
    const { page, errors } = await openPage(h.browser, `${h.server.url}/`);
    const rows = page.locator('.fault-list .fault-row');
    const before = await rows.count();

    await page.selectOption('.fault-form select[aria-label="Fault kind"]', 'pause');
    await page.selectOption('.fault-form select[aria-label="Node"]', 'p2');
    await page.fill('.fault-form input[aria-label="New fault time in ms"]', '100');
    await page.click('#add-fault');
    await expect.poll(() => rows.count()).toBe(before + 1);
    const added = page.locator('.fault-row[data-kind="pause"] input.fault-at');
    expect(await added.inputValue()).toBe('100');
    const marker = page.locator('.fault-marker').first();
    const box = (await marker.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Number(await added.inputValue())).toBeGreaterThan(100);
    expect(await page.inputValue('#preset-select')).toBe('');
    await page.click('.fault-row[data-kind="pause"] .remove-button');
    await expect.poll(() => rows.count()).toBe(before);

    await page.locator('.setup-details summary', { hasText: 'Parameters' }).click();
    await page.fill('input[data-param="participants"]', '99');
    expect(await page.textContent('.param-field:has(input[data-param="participants"]) .param-error')).toContain('an integer from 2 to 8');
    await page.click('#run-button');
    expect(await page.textContent('#setup-error')).toContain('out of bounds');
    await shoot(page, 'browser-fault-editor');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a shared link in the page itself (Web Worker) with the same trace hash', async () => {
    const faults = [{ at: 300, kind: 'crash' as const, node: 'coordinator', when: 'commit-sent' }];
    const link = `${encodeRunLink({ scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, faults }, h.server.url)}&engine=page`;
    const { page, errors } = await openPage(h.browser, link);
    await waitComplete(page);

    expect(await page.textContent('.run-source')).toBe('in-page engine');
    await page.waitForSelector('#trace-hash .hash-item[data-verified="true"]');
    expect((await state(page)).hashes).toEqual([cliHash('in-memory', 1, faults)]);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Written for any scenario with a chart: the line must climb after the preset's first fault.
  it.each([
    { scenario: 'two-phase-commit', preset: 'coordinator-crash-after-prepare', chart: 'in-doubt', series: 'in-doubt', strategy: 'durable-log' },
    { scenario: 'redis-outage', preset: 'redis-down', chart: 'db-load', series: 'db.queriesPerSec', strategy: 'naive-fallback' },
  ])("draws $scenario's $chart chart climbing after the fault", async ({ scenario, preset, chart, series, strategy }) => {
    const { page, errors } = await openPage(h.browser, `${h.server.url}/`);
    await page.selectOption('#scenario-select', scenario);
    await page.check(`label[data-strategy="${strategy}"] input`);
    await page.selectOption('#preset-select', preset);
    await run(page);
    await playToEnd(page);

    const info = describeScenario(findScenario(scenario));
    const faultMs = Math.min(...info.presets.find((p) => p.id === preset)!.faults.map((f) => f.at));
    const line = await lineAround(page, chart, series, faultMs);
    expect(line.after).toBeGreaterThan(line.before);
    await shoot(page, `browser-chart-${scenario}-${chart}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

// Every scenario must be usable in the page, not only the ones the cases above drive.
describe('every scenario in the visualizer', () => {
  it.each(scenarios.map((s) => s.id))('%s runs, plays to the end and shows its charts, verdicts and narration', async (id) => {
    const scenario = findScenario(id);
    const info = describeScenario(scenario);
    // The most telling run: a flawed strategy where there is one, under the default preset.
    const strategy = info.strategies.find((s) => s.expectedViolations.length > 0)?.id ?? info.defaultStrategy;
    const preset = info.presets.find((p) => p.id === info.defaultPreset) ?? info.presets[0]!;
    const { page, errors } = await openPage(h.browser, `${h.server.url}/`);
    await page.selectOption('#scenario-select', id);
    await page.check(`label[data-strategy="${strategy}"] input`);
    await page.selectOption('#preset-select', preset.id);
    await page.fill('#seed-input', '1');
    await run(page);
    // Jump to the end as a user would (End), rather than watch it play for ~20 s.
    await page.click('#panel-spacetime .panel-header');
    await page.keyboard.press('End');
    await page.waitForFunction(() => window.__faultline.state().done);
    await waitComplete(page);

    const cli = runScenario(scenario, { strategy, seed: 1, faults: preset.faults, trace: 'hash' });
    const shown = await state(page);
    expect(shown.error).toBe('');
    expect(shown.hashes).toEqual([cli.traceHash]);
    // Each chart the scenario declares is drawn with a line of more than one point.
    const drawn = await page.$$eval('[data-chart]', (charts) =>
      charts.map((c) => ({
        chart: (c as HTMLElement).dataset.chart,
        points: Math.max(0, ...[...c.querySelectorAll('path[data-series]')].map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1)),
      })),
    );
    const points = Object.fromEntries(drawn.map((d) => [d.chart, d.points]));
    for (const chart of info.charts) expect(points[chart.id], `chart ${chart.id}`).toBeGreaterThan(1);
    // The verdicts agree with the CLI's, invariant by invariant.
    const verdicts = await page.$$eval('li[data-invariant]', (items) =>
      items.map((li) => [(li as HTMLElement).dataset.invariant, (li as HTMLElement).dataset.ok]),
    );
    expect(Object.fromEntries(verdicts)).toEqual(Object.fromEntries(cli.invariants.map((i) => [i.name, String(i.ok)])));
    expect(await page.locator('.narration-list .note').count()).toBeGreaterThan(0);
    await shoot(page, `browser-scenario-${id}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
