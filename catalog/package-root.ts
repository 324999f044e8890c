/**
 * Where faultline itself is: the folder of its package.json, found from any of its files —
 * in the repository (sources) or installed (dist/). What ships beside the code (the
 * scaffold's template, the built web app, the version) is found from here, never from a path
 * relative to a source file that moves when compiled.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

export function packageRoot(): string {
  if (root !== null) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'faultline') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find faultline's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The extension of faultline's own modules where this one runs: `.ts` from sources, `.js` compiled. */
export const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
