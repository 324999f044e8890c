/**
 * The history checkers' speed, on the sizes the issue names: Jepsen-sized register histories
 * (a few hundred operations from ~10 clients, a third of them timing out) checked for
 * linearizability, linearizable and with a planted stale read; the Jepsen etcd logs of
 * tests/history/fixtures; and a 100,000-transaction list-append history checked for
 * serializability and strict serializability. Histories are generated from fixed seeds, so
 * every run checks the same ones. The etcd logs and the list-append history are checked
 * `--repetitions` times and the best time kept (a shared machine's noise only ever adds time).
 *
 *   node --import tsx bench/history-bench.ts [--json] [--histories N] [--transactions N] [--repetitions N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomStreams } from '../engine/index.ts';
import { checkHistory, generateListAppendHistory, generateRegisterHistory, type History, parseHistory, plantStaleRead } from '../history/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const clock = () => performance.now();

interface Summary {
  count: number;
  verdicts: Record<string, number>;
  msMedian: number;
  msP90: number;
  msMax: number;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function summarize(results: { verdict: string; elapsedMs: number }[]): Summary {
  const ms = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  const verdicts: Record<string, number> = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  return { count: results.length, verdicts, msMedian: round(at(0.5)), msP90: round(at(0.9)), msMax: round(ms.at(-1) ?? 0) };
}

const round = (x: number) => Math.round(x * 10) / 10;

function registerHistories(count: number): { clean: History; planted: History }[] {
  return Array.from({ length: count }, (_, seed) => {
    const stream = new RandomStreams(seed + 1).stream('history-bench');
    const random = () => stream.next();
    const clean = generateRegisterHistory({ random, operations: 300, processes: 10, infoProbability: 0.3, values: 5 });
    return { clean, planted: plantStaleRead(clean, random) };
  });
}

function main(): void {
  const json = process.argv.includes('--json');
  const histories = flag('--histories', 50);
  const transactions = flag('--transactions', 100_000);
  const repetitions = flag('--repetitions', 3);
  const best = <T extends { elapsedMs: number }>(run: () => T): T => {
    let kept = run();
    for (let i = 1; i < repetitions; i++) {
      const next = run();
      if (next.elapsedMs < kept.elapsedMs) kept = next;
    }
    return kept;
  };
  const say = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };

  const registers = registerHistories(histories);
  const check = (history: History) => checkHistory(history, { model: 'cas-register', clock, timeLimitMs: 10_000 });
  const linearizable = summarize(registers.map((h) => check(h.clean)));
  say(`cas-register, ${histories} histories of 300 operations, 10 clients, 30% timing out:`);
  say(
    `  linearizable:      median ${linearizable.msMedian} ms, p90 ${linearizable.msP90} ms, max ${linearizable.msMax} ms  ${JSON.stringify(linearizable.verdicts)}`,
  );
  const stale = summarize(registers.map((h) => check(h.planted)));
  say(`  with a stale read: median ${stale.msMedian} ms, p90 ${stale.msP90} ms, max ${stale.msMax} ms  ${JSON.stringify(stale.verdicts)}`);

  const dir = path.join(here, '../tests/history/fixtures/jepsen');
  const etcd = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((file) => {
      const history = parseHistory(readFileSync(path.join(dir, file), 'utf8'));
      const result = best(() => check(history));
      return { file, operations: result.operations, verdict: result.verdict, elapsedMs: round(result.elapsedMs) };
    });
  say('Jepsen etcd logs (cas-register):');
  for (const e of etcd) say(`  ${e.file}: ${e.verdict}, ${e.operations} operations, ${e.elapsedMs} ms`);

  const stream = new RandomStreams(7).stream('list-append-bench');
  const start = clock();
  const big = generateListAppendHistory({ random: () => stream.next(), transactions });
  const generateMs = clock() - start;
  const listAppend = (['serializable', 'strict-serializable'] as const).map((consistency) => {
    const result = best(() => checkHistory(big, { model: 'list-append', consistency, clock }));
    const ms = result.elapsedMs;
    return {
      consistency,
      verdict: result.verdict,
      operations: result.operations,
      elapsedMs: round(ms),
      transactionsPerSec: Math.round((result.operations * 1000) / ms),
    };
  });
  say(
    `list-append, ${transactions.toLocaleString('en-US')} transactions (${big.operations.length.toLocaleString('en-US')} history entries, generated in ${Math.round(generateMs)} ms):`,
  );
  for (const l of listAppend) say(`  ${l.consistency}: ${l.verdict} in ${l.elapsedMs} ms (${l.transactionsPerSec.toLocaleString('en-US')} transactions/s)`);

  if (json) {
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version };
    process.stdout.write(
      `${JSON.stringify({ machine, repetitions, casRegister: { histories, operations: 300, linearizable, staleRead: stale }, etcd, listAppend }, null, 2)}\n`,
    );
  }
}

main();
