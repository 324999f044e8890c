/**
 * Determinism across JavaScript engines: the engine's math gives the golden table's exact bits
 * inside Chromium as in Node, and every scenario × strategy of the golden runs hashes the same
 * in Chromium as in Node. The page's own engine is a Web Worker running this same code; this
 * test runs it without the UI, so a difference points at the engine and not at the page.
 */
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DetMath } from '../../engine/index.ts';
import { checkGoldenTable, type DetMathGoldenTable } from '../engine/det-math-golden.ts';
import table from '../engine/fixtures/det-math-golden.json';
import { goldenHash, goldenRuns } from '../golden/golden-runs.ts';
import { CHROMIUM_ARGS } from './browser-fixtures.ts';

/** Bundles an entry that sets `window.determinism.run`, runs it in Chromium and returns its result. */
async function inChromium<T>(entry: string): Promise<T> {
  const bundle = await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    conditions: ['source'],
    logLevel: 'error',
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>determinism</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    return (await page.evaluate('window.determinism.run()')) as T;
  } finally {
    await browser.close();
  }
}

describe('determinism in Chromium', () => {
  it('gives the golden bits of every deterministic math function, as Node does', async () => {
    expect(checkGoldenTable(table as unknown as DetMathGoldenTable, DetMath)).toEqual([]);
    expect(await inChromium<unknown[]>('./determinism-entry.ts')).toEqual([]);
  });

  it('hashes every golden scenario run the same as Node', async () => {
    const inNode = goldenRuns().map((row) => ({ ...row, hash: goldenHash(row) }));

    expect(await inChromium<unknown[]>('./golden-entry.ts')).toEqual(inNode);
  }, 300_000);
});
