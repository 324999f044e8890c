/**
 * One fidelity run: private servers started, every differential run against them, servers
 * stopped — and the report, with the versions the live servers gave. Redis and PostgreSQL
 * run side by side (their servers are separate processes). `sequences` sizes everything:
 * the keyspace and transfer differentials run that many sequences each, the persistence,
 * eviction and lock-wait checks a share of it.
 */
import type { AreaTally, Mismatch } from './mismatch.ts';
import { runLockWaitCheck } from './postgres/lock-wait-check.ts';
import { runTransferDifferential } from './postgres/transfer-differential.ts';
import { evictionDefaults, runEvictionDifferential } from './redis/eviction-differential.ts';
import { keyspaceDefaults, runKeyspaceDifferential } from './redis/keyspace-differential.ts';
import { type PolicyReport, persistenceDefaults, runPersistenceDifferential } from './redis/persistence-differential.ts';
import { PostgresServer } from './servers/postgres-server.ts';
import { RedisServer } from './servers/redis-server.ts';

export interface FidelityOptions {
  /** Generated sequences per server (the keyspace and the transfer differentials each run this many). */
  sequences: number;
  seed: number;
  only?: 'redis' | 'postgres';
}

interface ServerReport {
  server: string;
  sequences: number;
  mismatches: number;
  inconclusive: number;
  firstMismatch?: Mismatch;
}

type Timed<T> = T & { elapsedMs: number };

export interface RedisReport extends ServerReport {
  commands: number;
  areas: { keyspace: Timed<AreaTally>; persistence: Timed<AreaTally & { policies: Record<string, PolicyReport> }>; eviction: Timed<AreaTally> };
}

export interface PostgresReport extends ServerReport {
  operations: number;
  areas: { transactions: Timed<AreaTally & { crashes: number; preparedAtCrash: number }>; lockWait: Timed<AreaTally> };
}

export interface FidelityReport {
  redis?: RedisReport;
  postgres?: PostgresReport;
  seed: number;
  elapsedMs: number;
}

export async function runFidelity(options: FidelityOptions): Promise<FidelityReport> {
  const started = Date.now();
  const [redis, postgres] = await Promise.all([
    options.only === 'postgres' ? undefined : runRedis(options),
    options.only === 'redis' ? undefined : runPostgres(options),
  ]);
  return { ...(redis === undefined ? {} : { redis }), ...(postgres === undefined ? {} : { postgres }), seed: options.seed, elapsedMs: Date.now() - started };
}

async function runRedis({ sequences, seed }: FidelityOptions): Promise<RedisReport> {
  const server = await RedisServer.start();
  const [{ version, keyspace, persistence }, eviction] = await Promise.all([
    (async () => {
      let version: string;
      let keyspace: Awaited<ReturnType<typeof timed<AreaTally>>>;
      try {
        version = await server.version();
        keyspace = await timed(() => runKeyspaceDifferential(server, { ...keyspaceDefaults, sequences, seed }));
      } finally {
        await server.stop();
      }
      const persistence = await timed(() =>
        runPersistenceDifferential({ ...persistenceDefaults, seed, trialsPerPolicy: Math.max(3, Math.round(sequences / 50)) }),
      );
      return { version, keyspace, persistence };
    })(),
    // The eviction check mostly waits for Redis's LRU clock: it runs beside the others, on its own server.
    timed(() => runEvictionDifferential({ ...evictionDefaults, trials: sequences >= 1000 ? 2 : 1, seed })),
  ]);
  const areas = {
    keyspace: { ...keyspace.result, elapsedMs: keyspace.elapsedMs },
    persistence: { ...persistence.result.tally, policies: persistence.result.policies, elapsedMs: persistence.elapsedMs },
    eviction: { ...eviction.result, elapsedMs: eviction.elapsedMs },
  };
  const all = [keyspace.result, persistence.result.tally, eviction.result];
  return { server: version, ...sum(all), commands: all.reduce((n, t) => n + t.commands, 0), areas };
}

async function runPostgres({ sequences, seed }: FidelityOptions): Promise<PostgresReport> {
  const server = await PostgresServer.start();
  try {
    const version = await server.version();
    const transfers = await timed(() =>
      runTransferDifferential(server, { sequences, crashingSequences: Math.max(2, Math.round(sequences * 0.06)), seed, workers: 4 }),
    );
    const lockWait = await timed(() => runLockWaitCheck(server, { trials: Math.max(2, Math.min(10, Math.round(sequences / 100))), lockTimeoutMs: 100 }));
    const { tally, crashes, preparedAtCrash } = transfers.result;
    const areas = {
      transactions: { ...tally, crashes, preparedAtCrash, elapsedMs: transfers.elapsedMs },
      lockWait: { ...lockWait.result, elapsedMs: lockWait.elapsedMs },
    };
    const all = [tally, lockWait.result];
    return { server: version, ...sum(all), operations: all.reduce((n, t) => n + t.commands, 0), areas };
  } finally {
    await server.stop();
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = Date.now();
  const result = await work();
  return { result, elapsedMs: Date.now() - started };
}

function sum(tallies: readonly AreaTally[]): Omit<ServerReport, 'server'> {
  const firstMismatch = tallies.find((t) => t.firstMismatch !== undefined)?.firstMismatch;
  return {
    sequences: tallies.reduce((n, t) => n + t.sequences, 0),
    mismatches: tallies.reduce((n, t) => n + t.mismatches, 0),
    inconclusive: tallies.reduce((n, t) => n + t.inconclusive, 0),
    ...(firstMismatch === undefined ? {} : { firstMismatch }),
  };
}
