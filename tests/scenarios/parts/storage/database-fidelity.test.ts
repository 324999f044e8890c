/**
 * Fidelity: a database node with no cache in front, under Poisson arrivals of queries with
 * exponential service times and an unbounded queue, is an M/M/c queue. Its mean response
 * time and its probability of waiting must match Erlang C within 5%. Fixed seeds; the
 * first customers are discarded while the queue warms up.
 */
import { describe, it } from 'vitest';
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import { DatabaseLoad, type DbMessage, databaseNode } from '../../../../scenarios/parts/storage/database.ts';
import { expectRelative } from '../../../engine/fixtures/stats.ts';

const SERVICE_MS = 1;
const TOLERANCE = 0.05;
const WARMUP = 10_000;

/** Erlang C: the probability that an arrival to an M/M/c queue with offered load a waits. */
function erlangC(servers: number, offeredLoad: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= offeredLoad / k;
    sum += term;
  }
  const busyAll = (term * offeredLoad) / servers / (1 - offeredLoad / servers);
  return busyAll / (sum + busyAll);
}

function runPool(seed: number, connections: number, utilisation: number, queries: number): { meanResponseMs: number; waitingProbability: number } {
  const arrivalRatePerMs = (utilisation * connections) / SERVICE_MS;
  const sim = new Simulation({ seed, network: { latency: { kind: 'constant', ms: 0 } } });
  const sentAt = new Float64Array(queries);
  let responseMs = 0;
  let measured = 0;
  let waited = 0;
  let served = 0;
  sim.addNode(
    'db',
    databaseNode({
      connections,
      queueLimit: Number.POSITIVE_INFINITY,
      acquireTimeoutMs: Number.POSITIVE_INFINITY,
      serviceMeanMs: () => SERVICE_MS,
      load: new DatabaseLoad(connections),
      observer: {
        served(_q, waitedMs) {
          if (served++ >= WARMUP && waitedMs > 0) waited++;
        },
      },
    }),
  );
  const client: Spawn<DbMessage> = (ctx) => {
    let next = 0;
    ctx.setTimer(ctx.rng.exponential(1 / arrivalRatePerMs));
    return {
      onTimer() {
        sentAt[next] = ctx.now;
        ctx.send('db', { type: 'db', id: next, query: { op: 'read', key: 'row' } });
        if (++next < queries) ctx.setTimer(ctx.rng.exponential(1 / arrivalRatePerMs));
      },
      onMessage(_from, msg) {
        if (msg.type !== 'db-reply' || msg.id < WARMUP) return;
        responseMs += ctx.now - sentAt[msg.id]!;
        measured++;
      },
    };
  };
  sim.addNode('client', client);
  sim.run();
  return { meanResponseMs: responseMs / measured, waitingProbability: waited / (served - WARMUP) };
}

function once<T>(run: () => T): () => T {
  let result: T | undefined;
  return () => (result ??= run());
}

describe.each([
  { connections: 1, utilisation: 0.6, queries: 200_000, seed: 20_250_101 },
  { connections: 4, utilisation: 0.75, queries: 300_000, seed: 20_250_102 },
])('a cache-less database with $connections connection(s) at utilisation $utilisation (M/M/c)', ({ connections, utilisation, queries, seed }) => {
  const offeredLoad = utilisation * connections;
  const pWait = erlangC(connections, offeredLoad);
  const measure = once(() => runPool(seed, connections, utilisation, queries));

  it('makes a share C(c, a) of queries wait for a connection (Erlang C), within 5%', () => {
    expectRelative(measure().waitingProbability, pWait, TOLERANCE, `P(wait) for M/M/${connections}`);
  });

  it('has mean response time C(c, a) / (c mu - lambda) + 1 / mu, within 5%', () => {
    const mu = 1 / SERVICE_MS;
    const lambda = offeredLoad * mu;
    const expected = pWait / (connections * mu - lambda) + 1 / mu;

    expectRelative(measure().meanResponseMs, expected, TOLERANCE, `mean response time for M/M/${connections} (ms)`);
  });
});
