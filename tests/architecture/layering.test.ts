/**
 * The layering of the top-level folders, checked on the import statements themselves (not
 * on memory or review): each folder may import only the folders listed for it, and no two
 * folders import each other. engine/ is the kernel and imports nothing of the project;
 * history/ is as generic; scenarios/ sits on them; wire/ is what cli/, server/ and web/
 * share, so none of those three imports another of them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Which project folders each folder may import (besides itself). */
const allowed: Record<string, readonly string[]> = {
  engine: [],
  history: [],
  scenarios: ['engine', 'history'],
  wire: ['engine', 'history', 'scenarios'],
  catalog: ['engine', 'history', 'scenarios'],
  cli: ['engine', 'history', 'scenarios', 'wire', 'catalog', 'bench'],
  server: ['engine', 'history', 'scenarios', 'wire', 'catalog'],
  web: ['engine', 'history', 'scenarios', 'wire'],
  bench: ['engine', 'history', 'scenarios', 'wire', 'server'],
  fidelity: ['engine', 'scenarios'],
  bin: ['cli'],
  mutants: ['engine', 'history', 'scenarios'],
  examples: [],
  tools: [],
};

const skipped = new Set(['node_modules', 'dist', 'tests', 'docs', 'test-artifacts', 'coverage', 'scratch']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (skipped.has(name) || name.startsWith('.')) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s*['"]([^'"]+)['"]/g;
const topOf = (file: string): string => path.relative(root, file).split(path.sep)[0]!;

/** Every import of one project folder from another: [from folder, to folder, where]. */
function crossings(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const folder of Object.keys(allowed)) {
    let files: string[];
    try {
      files = sources(path.join(root, folder));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(importPattern)) {
        const spec = m[1] ?? m[2] ?? m[3]!;
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(root + path.sep)) continue;
        const to = topOf(target);
        if (to !== folder) out.push([folder, to, `${path.relative(root, file)} -> ${spec}`]);
      }
    }
  }
  return out;
}

describe('the folder layering', () => {
  const edges = crossings();

  it('lets each folder import only the folders below it', () => {
    const breaches = edges.filter(([from, to]) => !(allowed[from] ?? []).includes(to)).map(([from, to, where]) => `${from} may not import ${to}: ${where}`);
    expect(breaches).toEqual([]);
  });

  it('has no two folders importing each other', () => {
    const pairs = new Set(edges.map(([from, to]) => `${from}>${to}`));
    const cycles = [...pairs].filter((p) => pairs.has(p.split('>').reverse().join('>')));
    expect(cycles).toEqual([]);
  });

  it('knows every top-level source folder', () => {
    const folders = readdirSync(root).filter((n) => !skipped.has(n) && !n.startsWith('.') && statSync(path.join(root, n)).isDirectory());
    const unknown = folders.filter((f) => !(f in allowed) && sources(path.join(root, f)).length > 0);
    expect(unknown).toEqual([]);
  });
});
