/**
 * merge trusts nothing it reads back: a shard file edited or cut short after check wrote it
 * (its checksum no longer matches), one whose values are out of range even with a checksum
 * made to fit, one of another check or another version — each refused with exit 2 naming
 * the file, never merged into wrong counts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardChecksum } from '../../cli/check/shard-file.ts';
import { cli } from './cli.ts';
import { runInProcess } from './in-process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-shards-'));
const a = path.join(dir, 'a.json');
const b = path.join(dir, 'b.json');
const CHECK = ['check', 'two-phase-commit', '--strategy', 'durable-log', '--runs', '100', '--seed', '4', '--workers', '1'];

beforeAll(async () => {
  await Promise.all([cli([...CHECK, '--shard', '1/2', '--out', a, '--json']), cli([...CHECK, '--shard', '2/2', '--out', b, '--json'])]);
}, 120_000);

/** Writes a copy of shard a changed by `edit`, with the checksum made to fit again when `reseal`. */
function variant(name: string, edit: (file: Record<string, unknown>) => void, reseal: boolean): string {
  const file = JSON.parse(readFileSync(a, 'utf8')) as Record<string, unknown>;
  edit(file);
  if (reseal) {
    const { checksum: _, ...fields } = file;
    file.checksum = shardChecksum(fields);
  }
  const out = path.join(dir, name);
  writeFileSync(out, JSON.stringify(file));
  return out;
}

const results = (file: Record<string, unknown>) => file.results as { goalMasks: number[] }[];

describe('merge refuses a damaged or foreign shard file', () => {
  it('merges the two good shards', async () => {
    expect((await runInProcess(['merge', a, b, '--json'])).code).toBe(0);
  });

  it('a goal mask edited after the check (the checksum no longer matches)', async () => {
    const edited = path.join(dir, 'edited.json');
    writeFileSync(edited, readFileSync(a, 'utf8').replace(/\[(\d+),/, '[999999999,'));

    const { code, stderr } = await runInProcess(['merge', edited, b, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain(`'${edited}' is damaged: its checksum does not match`);
  });

  it('a goal mask out of range, even with a checksum made to fit', async () => {
    const forged = variant('forged.json', (f) => (results(f)[0]!.goalMasks[0] = 999_999_999), true);

    const { code, stderr } = await runInProcess(['merge', forged, b, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain(`'${forged}' is damaged`);
    expect(stderr).toMatch(/goal mask 999999999|999999999/);
  });

  it('a file cut short', async () => {
    const cut = path.join(dir, 'cut.json');
    const text = readFileSync(a, 'utf8');
    writeFileSync(cut, text.slice(0, text.length >> 1));

    const { code, stderr } = await runInProcess(['merge', cut, b, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain(`'${cut}' is not a shard file`);
  });

  it('a shard of another check', async () => {
    const other = variant('other-seed.json', (f) => (f.seed = 5), true);

    const { code, stderr } = await runInProcess(['merge', other, b, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain('seed 4 vs 5');
  });

  it('a file of another version, and one whose failure is not a run of its shard', async () => {
    const old = variant('old.json', (f) => (f.version = 2), false);
    const misplaced = variant(
      'misplaced.json',
      (f) => {
        const r = (f.results as Record<string, unknown>[])[0]!;
        r.failure = { invariant: 'atomicity', message: 'x', time: 1, node: null, index: 1 };
        r.goalMasks = [0];
        r.coverage = [[]];
      },
      true,
    );

    const versionAnswer = await runInProcess(['merge', old, b, '--json']);
    const misplacedAnswer = await runInProcess(['merge', misplaced, b, '--json']);

    expect(versionAnswer.code).toBe(2);
    expect(versionAnswer.stderr).toContain('version 2');
    expect(misplacedAnswer.code).toBe(2);
    expect(misplacedAnswer.stderr).toContain('is not a run of this shard');
  });
});
