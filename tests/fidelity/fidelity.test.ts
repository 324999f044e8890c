/**
 * The models against the real servers, in the suite: a smaller fidelity run (200 generated
 * sequences per server) against private redis-server and PostgreSQL instances. A server that
 * cannot start fails the suite with its reason — it is never a skip: without the servers the
 * models' claims to behave like them are unchecked. `npm run fidelity -- --json` runs the full
 * version (1,000 sequences per server); docs/fidelity.md says what each part compares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FidelityReport, runFidelity } from '../../fidelity/fidelity-run.ts';
import { killAllServers } from '../../fidelity/servers/live-servers.ts';

const SEQUENCES = 200;
let report: FidelityReport;

beforeAll(async () => {
  report = await runFidelity({ sequences: SEQUENCES, seed: 20 });
}, 120_000);

afterAll(killAllServers);

/** The first mismatch in full, so a failure shows what to replay. */
const firstOf = (r: { firstMismatch?: unknown } | undefined): string => JSON.stringify(r?.firstMismatch ?? null);

describe('the cache model against a live redis-server', () => {
  it('answers every generated command sequence as Redis does', () => {
    const keyspace = report.redis!.areas.keyspace;

    expect(keyspace.sequences).toBeGreaterThanOrEqual(SEQUENCES);
    expect(keyspace.mismatches, firstOf(keyspace)).toBe(0);
  });

  it('keeps across kill -9 and a restart what Redis keeps, with no persistence, AOF everysec and AOF always', () => {
    const persistence = report.redis!.areas.persistence;

    const judged = Object.values(persistence.policies).map((p) => p.trials - p.inconclusive);

    expect(persistence.mismatches, firstOf(persistence)).toBe(0);
    expect(judged).toHaveLength(3);
    expect(Math.min(...judged)).toBeGreaterThan(0);
  });

  it('evicts under allkeys-lru the least recently used epochs first, as Redis does', () => {
    const eviction = report.redis!.areas.eviction;

    expect(eviction.sequences).toBeGreaterThan(0);
    expect(eviction.mismatches, firstOf(eviction)).toBe(0);
  });

  it('was compared with the live server, whose version it reports', () => {
    expect(report.redis!.server).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the transactional store against a live PostgreSQL', () => {
  it('locks, prepares, commits, aborts and survives crashes as PostgreSQL does, conserving money', () => {
    const transactions = report.postgres!.areas.transactions;

    expect(transactions.sequences).toBeGreaterThanOrEqual(SEQUENCES);
    expect(transactions.crashes).toBeGreaterThan(0);
    expect(transactions.mismatches, firstOf(transactions)).toBe(0);
  });

  it('refuses at once a row that PostgreSQL would make a transaction wait for in vain while its holder is in doubt', () => {
    const lockWait = report.postgres!.areas.lockWait;

    expect(lockWait.sequences).toBeGreaterThan(0);
    expect(lockWait.mismatches, firstOf(lockWait)).toBe(0);
  });

  it('was compared with the live server, whose version it reports', () => {
    expect(report.postgres!.server).toMatch(/^\d+/);
  });
});
