/**
 * The machine's refusals are the user's to fix: a full disk, a file that cannot be read or
 * written, an input too large to read — exit 2 with a message naming the file and the
 * system's error, never exit 3 and a stack trace. Too-large inputs are refused by their size,
 * before a byte is parsed.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.ts';
import { runInProcess } from './in-process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-env-'));

describe.concurrent('environment errors exit 2 naming the file (the real command)', () => {
  it('a trace on a full disk (/dev/full)', async () => {
    const { code, stdout, stderr } = await cli(['run', 'two-phase-commit', '--seed', '1', '--trace', '/dev/full', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("'/dev/full': no space left on the device (ENOSPC)");
    expect(stderr).not.toContain('    at ');
    expect(JSON.parse(stdout)).toMatchObject({ error: { kind: 'bad-input', file: '/dev/full', code: 'ENOSPC' } });
  });

  it("a check's --out on a full disk", async () => {
    const { code, stderr } = await cli([
      'check',
      'two-phase-commit',
      '--strategy',
      'durable-log',
      '--runs',
      '20',
      '--workers',
      '1',
      '--out',
      '/dev/full',
      '--json',
    ]);

    expect(code).toBe(2);
    expect(stderr).toContain("cannot write the check result (--out) to '/dev/full'");
  });
});

describe('environment errors exit 2 naming the file (in-process)', () => {
  it('a trace where no file can be made (/proc/version)', async () => {
    const { code, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--trace', '/proc/version', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("cannot write the trace to '/proc/version'");
  });

  it('a --faults file that cannot be read (EIO)', async () => {
    const { code, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--faults', '/proc/self/mem', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("cannot read the --faults file '/proc/self/mem': input/output error (EIO)");
  });

  it('a 600 MB --faults file, refused by its size at once', async () => {
    const big = path.join(dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    const t0 = performance.now();

    const { code, stderr } = await runInProcess(['run', 'two-phase-commit', '--seed', '1', '--faults', big, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain('it is 600 MiB, larger than the 16 MiB allowed');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('a shard file too large or unreadable', async () => {
    const { code, stderr } = await runInProcess(['merge', '/proc/self/mem', '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain("'/proc/self/mem'");
  });
});
