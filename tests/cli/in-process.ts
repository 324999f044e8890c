/**
 * Runs the CLI in this process (`runCli`, the same function bin/faultline.mjs ends in) with
 * stdout and stderr captured: for the many variations of bad input, where spawning a Node
 * process per case would cost a second each. Not concurrent-safe: call it from sequential
 * tests only.
 */
import { vi } from 'vitest';
import { runCli } from '../../cli/program.ts';
import type { CliResult } from './cli.ts';

export async function runInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
