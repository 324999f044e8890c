/**
 * Regenerates docs/screenshot.png, the picture the README and docs/web.md open with: two-phase
 * commit with the decision kept in memory, the coordinator crashed right after COMMIT reached one
 * participant: seen at 700 ms, one participant committed, another in doubt holding its lock, and
 * atomicity already known to break at 966 ms. It drives the real UI (built, served on
 * 127.0.0.1, headless Chromium) exactly as the browser tests do, so the picture is never a
 * mock-up: `npm run screenshot`. It lives beside the browser tests because it drives their harness; it is
 * not a test (vitest runs only *.test.ts).
 */
import { openPage, startHarness } from './browser-fixtures.ts';

const OUT = new URL('../../docs/screenshot.png', import.meta.url).pathname;
const AT_MS = 700;

const harness = await startHarness();
try {
  const link = `${harness.server.url}/#/run?scenario=two-phase-commit&strategy=in-memory&seed=1&preset=coordinator-crash-after-decision`;
  const { page, errors } = await openPage(harness.browser, link);
  await page.waitForFunction(() => window.__faultline.state().complete, null, { timeout: 30_000 });
  await page.evaluate((t) => window.__faultline.seek(t), AT_MS);
  await page.waitForTimeout(300);
  await page.screenshot({ path: OUT });
  if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join('; ')}`);
  console.log(`wrote ${OUT} (two-phase-commit / in-memory at ${AT_MS} ms)`);
} finally {
  await harness.close();
}
