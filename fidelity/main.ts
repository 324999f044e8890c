/**
 * `npm run fidelity -- [--json] [--sequences N] [--seed S] [--only redis|postgres]`: starts
 * private redis-server and PostgreSQL instances on loopback, runs the differential tests of
 * the cache and transactional-store models against them, stops them, and reports. With
 * --json it prints exactly one JSON object:
 *   {redis: {server, sequences, commands, mismatches, ...}, postgres: {server, sequences, operations, mismatches, ...}, ...}
 *
 * Exit codes: 0 no mismatch; 1 mismatches; 2 bad input; 3 a server could not be started
 * (said loudly on stderr: a run without its servers proves nothing and never passes).
 */
import { parseArgs } from 'node:util';
import { type FidelityReport, runFidelity } from './fidelity-run.ts';
import { killAllServers } from './servers/live-servers.ts';
import { ServerStartError } from './servers/server-start-error.ts';

const USAGE = 'usage: npm run fidelity -- [--json] [--sequences N (>= 1, default 1000)] [--seed S (default 20)] [--only redis|postgres]';

function parseOptions(argv: string[]): { json: boolean; sequences: number; seed: number; only?: 'redis' | 'postgres' } {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, sequences: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } },
    strict: true,
  });
  const integer = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text)))
      throw new RangeError(`--${name} ${JSON.stringify(text)}: expected an integer >= ${min}`);
    return Number(text);
  };
  if (values.only !== undefined && values.only !== 'redis' && values.only !== 'postgres')
    throw new RangeError(`--only ${JSON.stringify(values.only)}: expected redis or postgres`);
  return {
    json: values.json === true,
    sequences: integer('sequences', values.sequences, 1000, 1),
    seed: integer('seed', values.seed, 20, 0),
    ...(values.only === undefined ? {} : { only: values.only }),
  };
}

function summary(report: FidelityReport): string {
  const lines: string[] = [];
  if (report.redis !== undefined) {
    const r = report.redis;
    lines.push(
      `redis ${r.server}: ${r.sequences} sequences, ${r.commands} commands, ${r.mismatches} mismatches${r.inconclusive > 0 ? `, ${r.inconclusive} inconclusive` : ''}`,
    );
  }
  if (report.postgres !== undefined) {
    const p = report.postgres;
    lines.push(`postgres ${p.server}: ${p.sequences} sequences, ${p.operations} operations, ${p.mismatches} mismatches`);
  }
  const first = report.redis?.firstMismatch ?? report.postgres?.firstMismatch;
  if (first !== undefined) lines.push(`first mismatch: ${JSON.stringify(first)}`);
  lines.push(`seed ${report.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const report = await runFidelity(options);
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${summary(report)}\n`);
    return (report.redis?.mismatches ?? 0) + (report.postgres?.mismatches ?? 0) === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ServerStartError)) throw error;
    process.stderr.write(`FIDELITY RUN FAILED: ${error.message}\nNothing was compared. Install Debian's redis-server and postgresql packages (see .ci/run).\n`);
    return 3;
  } finally {
    killAllServers();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllServers();
    process.exit(130);
  });
}
process.on('exit', killAllServers);

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    killAllServers();
    process.exit(1);
  },
);
