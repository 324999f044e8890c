/**
 * The package as a user gets it: `npm pack` (which builds dist/ on prepack), installed into an
 * empty project, whose `faultline` (from node_modules/.bin) scaffolds a scenario of the user's
 * own and checks it by its module path; the library's typed entries import from JavaScript.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'faultline-pack-'));
const project = path.join(work, 'project');

function inProject(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: project, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: 'pipe', timeout: 300_000 });
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  execFileSync('mkdir', ['-p', project]);
  execFileSync('npm', ['init', '-y'], { cwd: project, stdio: 'pipe' });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', path.join(work, tarball)], { cwd: project, stdio: 'pipe', timeout: 300_000 });
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the installed package', () => {
  it('ships compiled JavaScript with type declarations, not the TypeScript sources', () => {
    const pkg = path.join(project, 'node_modules', 'faultline');
    const files = readdirSync(pkg);
    expect(files).toContain('dist');
    expect(files).not.toContain('engine');
    expect(readdirSync(path.join(pkg, 'dist', 'scenarios'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('scaffolds a scenario with faultline new and checks it as declared', () => {
    const made = inProject('npx', ['--no-install', 'faultline', 'new', 'lease-demo', '--json']);
    expect(made.code).toBe(0);
    const { module } = JSON.parse(made.stdout) as { module: string };
    expect(module).toBe('./lease-demo.mts');
    const checked = inProject('npx', [
      '--no-install',
      'faultline',
      'check',
      module,
      '--all',
      '--runs',
      '1000',
      '--seed',
      '1',
      '--expect',
      'declared',
      '--json',
    ]);
    expect(checked.code).toBe(0);
    const { results } = JSON.parse(checked.stdout) as { results: { strategy: string; counterexample: { invariant: string } | null }[] };
    expect(results.map((r) => [r.strategy, r.counterexample?.invariant ?? null])).toEqual([
      ['fencing', null],
      ['no-fencing', 'writes-in-lease-order'],
    ]);
  }, 300_000);

  it('imports the library from plain JavaScript, zod included', () => {
    const r = inProject('node', [
      '--input-type=module',
      '-e',
      "import { Simulation } from 'faultline'; import { z, scenarios } from 'faultline/scenarios'; import { checkHistory } from 'faultline/history'; import { TransactionalStore, CacheStore } from 'faultline/parts'; console.log(typeof Simulation, typeof z.object, scenarios.length, typeof checkHistory, typeof TransactionalStore, typeof CacheStore)",
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function 15 function function function');
  });
});
