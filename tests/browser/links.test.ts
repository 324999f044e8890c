/**
 * Run links in headless Chromium: validated exactly as the CLI validates its flags (one
 * shared check, wire/run-input.ts), the expected trace hash compared, presets resolved at the
 * link's parameters, each run its own history entry, the cursor in the URL. Screenshots in
 * test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findScenario, runScenario } from '../../scenarios/index.ts';
import { checkRunInput, encodeRunLink } from '../../wire/index.ts';
import { openPage, shoot, state, waitComplete } from './browser-fixtures.ts';
import { useHarness } from './suite-harness.ts';

const h = useHarness();

const twoPc = findScenario('two-phase-commit');
const crashAfterDecision = twoPc.presets.find((p) => p.id === 'coordinator-crash-after-decision')!.faults(twoPc.params.parse({}));
const cliHash = (strategy: string, seed: number, faults = crashAfterDecision, params = {}): string =>
  runScenario(twoPc, { strategy, seed, faults, params, trace: 'hash' }).traceHash!;
const base = () => `${h.server.url}/`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What `faultline run` says on stderr when it refuses its flags. */
function cliRefusal(args: string[]): string {
  const r = spawnSync(process.execPath, [`${ROOT}bin/faultline.mjs`, 'run', 'two-phase-commit', ...args], { encoding: 'utf8', cwd: ROOT });
  expect(r.status).not.toBe(0);
  return r.stderr;
}
const q = (s: string) => encodeURIComponent(s);

/** Every way a link can be wrong, with the field its refusal must name. */
const BAD_LINKS: [string, RegExp][] = [
  ['scenario=two-phase-commit&strategy=in-memory&seed=abc', /seed/],
  ['scenario=two-phase-commit&strategy=in-memory&seed=99999999999999999999999', /seed/],
  [`scenario=two-phase-commit&strategy=in-memory&seed=1&faults=${q('{"at":1}')}`, /faults/],
  [`scenario=two-phase-commit&strategy=in-memory&seed=1&faults=${q('[{"at":10,"kind":"explode"}]')}`, /kind/],
  [`scenario=two-phase-commit&seed=1&faults=${q('[{"at":10,"kind":"crash","node":"nobody"}]')}`, /nobody/],
  ['scenario=no-such-scenario&seed=1', /scenario/],
  ['scenario=two-phase-commit&strategy=no-such&seed=1', /strategy/],
  [`scenario=two-phase-commit&seed=1&params=${q('{"participants":99}')}`, /participants/],
  [`scenario=two-phase-commit&seed=1&params=${q('{"__proto__":{"x":1}}')}`, /__proto__/],
  [`scenario=two-phase-commit&seed=1&params=${q('{"foo":1}')}`, /foo/],
  ['scenario=two-phase-commit&seed=1&preset=no-such-preset', /preset/],
  ['scenario=two-phase-commit&seed=1&hash=xyz', /hash/],
  ['scenario=two-phase-commit&seed=1&t=-5', /\bt\b/],
  ['scenario=two-phase-commit&seed=1&bogus=1', /bogus/],
];

describe('run links', () => {
  it('refuses every bad link with an alert naming the field, in the CLI’s words, and runs nothing — on load and on hashchange', async () => {
    const [first, firstField] = BAD_LINKS[0]!;
    const { page, errors } = await openPage(h.browser, `${base()}#/run?${first}`);
    const alert = page.locator('[role="alert"].stage-alert');
    await expect.poll(() => alert.textContent()).toMatch(firstField);
    // The form shows what the link asked for, the bad field marked.
    expect(await page.inputValue('#seed-input')).toBe('abc');
    expect(await page.getAttribute('#seed-input', 'aria-invalid')).toBe('true');
    // The CLI's own words (the shared check) are the page's.
    const cli = checkRunInput({ scenario: 'two-phase-commit', strategy: 'in-memory', seed: 'abc' });
    expect(cli.ok).toBe(false);
    expect(await alert.textContent()).toContain(cli.ok ? '' : cli.problems[0]!.message);
    await shoot(page, 'links-bad-seed');
    for (const [link, field] of BAD_LINKS.slice(1)) {
      await page.evaluate((l) => {
        location.hash = `#/run?${l}`;
      }, link);
      await expect.poll(() => alert.textContent(), { message: link }).toMatch(field);
      const s = await state(page);
      expect(s.events, link).toEqual([]);
      expect(s.error, link).toMatch(field);
    }
    await shoot(page, 'links-bad-last');
    // A good link after bad ones runs.
    await page.evaluate(() => {
      location.hash = '#/run?scenario=two-phase-commit&strategy=durable-log&seed=2';
    });
    await page.waitForFunction(() => window.__faultline.state().events.length === 1, null, { timeout: 30_000 });
    expect(await alert.textContent()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses what the CLI refuses, in the same words', async () => {
    const cases: { link: string; flags: string[]; words: RegExp }[] = [
      { link: 'seed=abc', flags: ['--seed', 'abc'], words: /must be an integer from 0 to [\d,]+, got 'abc'/ },
      { link: 'seed=99999999999999999999999', flags: ['--seed', '99999999999999999999999'], words: /must be an integer from 0 to [\d,]+, got '9+'/ },
      { link: `seed=1&faults=${q('{"at":1}')}`, flags: ['--seed', '1', '--faults', '{"at":1}'], words: /a JSON object must carry a "faults" array/ },
      {
        link: `seed=1&params=${q('{"participants":99}')}`,
        flags: ['--seed', '1', '--param', 'participants=99'],
        words: /parameter 'participants' of two-phase-commit: [^;]+; allowed: an integer from 2 to 8/,
      },
      { link: `seed=1&params=${q('{"constructor":1}')}`, flags: ['--seed', '1', '--param', 'constructor=1'], words: /'constructor' is not a parameter name/ },
    ];
    const { page, errors } = await openPage(h.browser, base());
    for (const c of cases) {
      const cli = cliRefusal(c.flags).match(c.words)?.[0];
      expect(cli, c.flags.join(' ')).toBeDefined();
      await page.evaluate((l) => {
        location.hash = `#/run?scenario=two-phase-commit&strategy=in-memory&${l}`;
      }, c.link);
      await expect.poll(() => page.textContent('.stage-alert'), { message: c.link }).toContain(cli!);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows ✓ only for the hash the link expects, a clear ✗ with both hashes otherwise, and "not compared" without one', async () => {
    const expected = cliHash('in-memory', 1);
    const link = (hash?: string) =>
      encodeRunLink(
        { scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, faults: crashAfterDecision, ...(hash ? { hash } : {}) },
        base(),
      );
    const { page, errors } = await openPage(h.browser, link(expected));
    const item = page.locator('#trace-hash .hash-item').first();
    await expect.poll(() => item.getAttribute('data-compared')).toBe('equal');
    expect(await item.textContent()).toContain(`${expected}✓`);

    await page.goto(link('0123456789abcdef'));
    await expect.poll(() => item.getAttribute('data-compared')).toBe('different');
    expect(await item.textContent()).toContain(expected);
    expect(await item.textContent()).toContain('✗ link expects 0123456789abcdef');
    await shoot(page, 'links-hash-mismatch');

    await page.goto(link());
    await expect.poll(() => item.getAttribute('data-compared')).toBe('none');
    expect(await item.textContent()).toContain('not compared');
    expect(await item.textContent()).not.toContain('✓');
    // The page's own share link carries the hash it computed, and opens with ✓.
    await page.waitForFunction(() => window.__faultline.state().hashes.length === 1);
    await page.click('#copy-link');
    const shared = await page.getAttribute('#copy-link', 'data-link');
    expect(shared).toContain(`hash=${expected}`);
    await page.goto(shared!);
    await expect.poll(() => item.getAttribute('data-compared')).toBe('equal');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('resolves a preset from the link’s parameters as --preset does, and a link with parameters and no faults as the CLI does', async () => {
    const params = { workloadMs: 3000 };
    const parsed = twoPc.params.parse(params);
    const named = encodeRunLink(
      { scenario: 'two-phase-commit', strategy: 'durable-log', seed: 3, params, preset: 'coordinator-crash-after-prepare', engine: 'page' },
      base(),
    );
    const { page, errors } = await openPage(h.browser, named);
    await waitComplete(page);
    const presetPlan = twoPc.presets.find((p) => p.id === 'coordinator-crash-after-prepare')!.faults(parsed);
    expect((await state(page)).hashes).toEqual([cliHash('durable-log', 3, presetPlan, params)]);
    // The form names the preset, not "Custom plan".
    expect(await page.inputValue('#preset-select')).toBe('coordinator-crash-after-prepare');
    // A CLI link carries the plan itself: the form still names the preset whose plan it is, at these parameters.
    await page.goto(encodeRunLink({ scenario: 'two-phase-commit', strategy: 'durable-log', seed: 3, params, faults: presetPlan, engine: 'page' }, base()));
    await waitComplete(page);
    await expect.poll(() => page.inputValue('#preset-select')).toBe('coordinator-crash-after-prepare');

    const bare = `${base()}#/run?scenario=two-phase-commit&strategy=durable-log&seed=3&params=${q(JSON.stringify(params))}&engine=page`;
    await page.goto(bare);
    await page.waitForFunction(() => window.__faultline.state().complete);
    const cli = runScenario(twoPc, { strategy: 'durable-log', seed: 3, params, trace: 'hash' });
    await expect.poll(async () => (await state(page)).hashes).toEqual([cli.traceHash]);
    expect(await page.inputValue('#preset-select')).toBe(twoPc.defaultPreset);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives each run its own history entry, keeps the cursor in the URL, comes back to it on reload, and goes Back to the previous run', async () => {
    const first = encodeRunLink(
      { scenario: 'two-phase-commit', strategy: 'in-memory', seed: 1, params: {}, faults: crashAfterDecision, engine: 'page' },
      base(),
    );
    const { page, errors } = await openPage(h.browser, first);
    await waitComplete(page);
    const entries = await page.evaluate(() => history.length);
    await page.fill('#seed-input', '5');
    const loads = (await state(page)).loads;
    await page.click('#run-button');
    await page.waitForFunction((n) => window.__faultline.state().loads > n, loads);
    expect(await page.evaluate(() => history.length)).toBe(entries + 1);
    expect(page.url()).toContain('seed=5');
    // Paused at a moment, the URL carries it; a reload comes back there, paused.
    await page.evaluate(() => {
      const s = window.__faultline.state();
      if (s.playing) document.getElementById('play-button')!.click();
    });
    await page.evaluate(() => window.__faultline.seek(612.5));
    await expect.poll(() => page.url()).toContain('t=612.5');
    await page.reload();
    await page.waitForFunction(() => window.__faultline?.ready === true && window.__faultline.state().events.length === 1);
    await expect.poll(async () => (await state(page)).t).toBe(612.5);
    expect((await state(page)).playing).toBe(false);
    await shoot(page, 'links-reload-cursor');
    // Back: the previous run (seed 1), not a replaced entry.
    await page.goBack();
    await expect.poll(() => page.textContent('#run-title')).toContain('seed 1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops the previous run when a new one starts and shows progress while it computes', async () => {
    const { page, errors } = await openPage(h.browser, `${base()}#/run?scenario=two-phase-commit&strategy=in-memory&seed=1&engine=page`);
    await waitComplete(page);
    await page.evaluate(() => {
      if (!window.__faultline.state().playing) document.getElementById('play-button')!.click();
    });
    await page.locator('.setup-details summary', { hasText: 'Parameters' }).click();
    await page.fill('input[data-param="transfers"]', '2000');
    await page.fill('input[data-param="workloadMs"]', '60000');
    const before = (await state(page)).loads;
    await page.click('#run-button');
    await page.waitForSelector('#run-progress:not([hidden])');
    expect(await page.textContent('#run-progress')).toContain('Computing');
    // The previous run stopped at once: what plays now, if anything, is the new run, drawn while it computes.
    const during = await state(page);
    expect(during.playing === false || during.loads > before).toBe(true);
    await shoot(page, 'links-run-progress');
    // The page's engine tells how far it has got.
    await expect.poll(() => page.textContent('#run-progress'), { timeout: 30_000 }).toMatch(/[\d,]+ events, [\d,.]+ (ms|s) simulated/);
    await page.waitForSelector('#run-progress', { state: 'hidden', timeout: 60_000 });
    expect((await state(page)).endMs).toBeGreaterThan(60_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
