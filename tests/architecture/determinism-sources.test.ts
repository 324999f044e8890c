/**
 * TigerBeetle's "no floating point please" test, for faultline: the kernel and the scenarios
 * never read the wall clock or an unseeded random source. The lint rule bans most of these;
 * this test backs it by searching the source itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const banned = /Math\.random|\bDate\b|performance\.now|setTimeout\(|setInterval\(|setImmediate\(|crypto\.getRandomValues|process\.hrtime/;
/** Functions whose last bit differs between JavaScript engines: simulated code uses engine/math instead. */
const transcendental =
  /Math\.(log|log2|log10|log1p|exp|expm1|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|cbrt|hypot)\b|\*\*\s*[^\s\d(]|\*\*\s*\(/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('simulated code', () => {
  const hitsOf = (dir: string, pattern: RegExp): string[] => {
    const hits: string[] = [];
    for (const file of sources(path.join(root, dir))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line
            .replace(/\/\*.*?\*\//g, '')
            .replace(/\/\/.*$/, '')
            .replace(/^\s*\*.*$/, '')
            .replace(/^\s*\/\*.*$/, '');
          if (pattern.test(code)) hits.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    return hits;
  };
  for (const dir of ['engine', 'scenarios']) {
    it(`in ${dir}/ never reads the wall clock or an unseeded random source`, () => {
      expect(hitsOf(dir, banned)).toEqual([]);
    });
    it(`in ${dir}/ calls no transcendental Math function and no ** with a computed exponent`, () => {
      expect(hitsOf(dir, transcendental).filter((h) => !h.startsWith('engine/math/'))).toEqual([]);
    });
  }
});
