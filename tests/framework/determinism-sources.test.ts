/**
 * TigerBeetle's "no floating point please" test, for faultline: the kernel and the scenarios
 * never read the wall clock or an unseeded random source. The lint rule bans most of these;
 * this test backs it by searching the source itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const banned = /Math\.random|Date\.now|performance\.now|new Date\(|setTimeout\(|setInterval\(|setImmediate\(|crypto\.getRandomValues|process\.hrtime/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('simulated code', () => {
  for (const dir of ['engine', 'scenarios']) {
    it(`in ${dir}/ never reads the wall clock or an unseeded random source`, () => {
      const hits: string[] = [];
      for (const file of sources(path.join(root, dir))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
            if (banned.test(code)) hits.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
          });
      }
      expect(hits).toEqual([]);
    });
  }
});
