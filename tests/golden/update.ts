/**
 * `npm run golden [-- --update]`: compares the golden trace-hash table with the engine (exit 1
 * on a difference), or with --update rewrites it. Update it only in a commit that says why the
 * hashes changed.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type GoldenRow, goldenHash, goldenMismatches, goldenRuns } from './golden-runs.ts';

const file = path.join(import.meta.dirname, 'trace-hashes.json');
if (process.argv.includes('--update')) {
  const rows: GoldenRow[] = goldenRuns().map((r) => ({ ...r, hash: goldenHash(r) }));
  writeFileSync(`${file}.tmp`, `${JSON.stringify(rows, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${rows.length} golden hashes to ${path.relative(process.cwd(), file)}`);
} else {
  const table = JSON.parse(readFileSync(file, 'utf8')) as GoldenRow[];
  const bad = goldenMismatches(table);
  for (const line of bad) console.log(line);
  console.log(bad.length === 0 ? `all ${table.length} golden hashes hold` : `${bad.length} of ${table.length} golden hashes differ`);
  process.exitCode = bad.length === 0 ? 0 : 1;
}
