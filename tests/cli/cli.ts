/**
 * Runs the real faultline command (`node bin/faultline.mjs ...`) as a user would, and reads
 * its exit code, stdout, stderr and — for --json — its one JSON object.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/faultline.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `faultline ...args`; never rejects on a non-zero exit. */
export function cli(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') return reject(error);
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

/** Runs `faultline ...args` and parses stdout as the one JSON object it must be. */
export async function cliJson<T = Record<string, unknown>>(args: readonly string[]): Promise<CliResult & { json: T }> {
  const result = await cli(args);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`faultline ${args.join(' ')} printed no JSON on stdout (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
  return { ...result, json };
}

/** The words of a shell command line as `sh` would split them (for evaluating `replay`). */
export function shellWords(line: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`], (error, stdout) => {
      if (error !== null) return reject(error);
      resolve(stdout.split('\0').slice(0, -1));
    });
  });
}
