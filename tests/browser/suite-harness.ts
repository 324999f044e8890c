/**
 * The harness of one browser test file: started (web build, server on 127.0.0.1, Chromium)
 * before its tests, closed after them. Apart from browser-fixtures.ts so that scripts using
 * the harness outside vitest (docs-screenshot.ts) do not import the test runner.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Harness, startHarness } from './browser-fixtures.ts';

/** The file's harness; its fields are read inside tests, once the set-up hook has started it. */
export function useHarness(): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness();
  }, 180_000);
  afterAll(async () => {
    await started?.close();
  });
  const current = (): Harness => {
    if (started === undefined) throw new Error('the browser harness is read before its set-up hook started it');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get browser() {
      return current().browser;
    },
    close: () => current().close(),
  };
}
