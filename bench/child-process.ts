/**
 * How the benchmarks run a measurement in a process of its own: each one starts from a clean
 * JIT and a clean heap, so one measurement's handler shapes or garbage never slow another's,
 * and repetitions can be interleaved (machine noise then hits every variant alike).
 *
 * TypeScript children are bundled once per bench process with esbuild (the compiler tsx
 * itself uses) and run as plain JavaScript: that is what an installed faultline runs (tsc's
 * output in dist/), and what the check pool's workers run; tsx's own output adds a helper call
 * at every closure creation, which would slow the scenario code and not the code measured
 * against it. Children run with the flags the bench itself runs with (V8's single-threaded
 * JIT and GC), so the garbage collector's work is counted on the thread that caused it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The extension of the bench's own modules where it runs: `.ts` from sources, `.js` compiled (dist/). */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** V8 flags every measured child gets: each measurement uses exactly one core. */
export const CHILD_FLAGS: readonly string[] = ['--single-threaded-gc', '--no-concurrent-recompilation'];

const bundles = new Map<string, string>();

/** The bundled JavaScript of a bench entry (a module of bench/, named without its extension), built once per process and removed at exit. */
export function bundledEntry(entry: string): string {
  const known = bundles.get(entry);
  if (known !== undefined) return known;
  // Inside node_modules, so that the bundle's imports of packages resolve from it.
  const dir = path.resolve(here, '..', 'node_modules', '.cache', 'faultline', `bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${entry}.mjs`);
  buildSync({
    entryPoints: [path.join(here, `${entry}${OWN_EXTENSION}`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  if (bundles.size === 0)
    process.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
  bundles.set(entry, outfile);
  return outfile;
}

/** Runs a command and parses the last line it prints as JSON. */
export function runJsonLine<T>(command: string, args: readonly string[]): T {
  const out = execFileSync(command, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  const line = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${path.basename(args[args.length - 1] ?? command)} printed no JSON line: ${out.slice(-300)}`);
  }
}

/** Runs a bundled bench entry in a fresh node with CHILD_FLAGS (and `extraFlags`), returning its JSON line. */
export function runChild<T>(entry: string, args: readonly string[], extraFlags: readonly string[] = []): T {
  return runJsonLine<T>(process.execPath, [...CHILD_FLAGS, ...extraFlags, bundledEntry(entry), ...args]);
}

/** The bare hand-written loop (bare-loop.mjs) on a workload: events per second. */
export function bareLoopEventsPerSec(workload: string, events: number): number {
  return runJsonLine<{ eventsPerSec: number }>(process.execPath, [path.join(here, 'bare-loop.mjs'), workload, String(events)]).eventsPerSec;
}
