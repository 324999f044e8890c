/**
 * The API reference is generated from the types and doc comments (`npm run docs:api`, TypeDoc)
 * of the package's public entries. This test runs the generator without writing anything and
 * fails on any warning: a broken {@link}, a doc comment naming a parameter that does not
 * exist, an entry that does not compile.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('the API reference', () => {
  it('builds from the public entries with no broken reference and no warning', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 300_000,
    });
    const out = `${run.stdout}${run.stderr}`;

    expect(out).not.toMatch(/\[(warning|error)\]/);
    expect(run.status).toBe(0);
  }, 300_000);
});
