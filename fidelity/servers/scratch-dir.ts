/**
 * A private scratch directory for one server's data (under the system's temp folder), and
 * its removal. Every server the fidelity run starts keeps its files here and nowhere else,
 * so a run leaves nothing behind and never touches a system-wide instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function makeScratchDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `faultline-fidelity-${label}-`));
}

export function removeScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
