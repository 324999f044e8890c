/**
 * Fidelity: M/M/1 and M/M/c queues built on the public API (a client node with Poisson
 * arrivals, a server node with c service slots and exponential service times as timers, a
 * zero-latency network) must reproduce queueing theory. Time is in ms; each server serves
 * mu = 1 customer per ms; utilisation is 0.9.
 *
 * At utilisation 0.9 successive sojourn times are strongly correlated, so the sample mean
 * converges slowly: with 3,000,000 customers its standard error is about 0.7% (measured over
 * seeds), which makes the 3% tolerance a bound of about four standard errors.
 */
import { describe, it } from 'vitest';
import { type NodeContext, Simulation } from '../../engine/index.ts';
import { expectRelative } from './fixtures/stats.ts';

const UTILISATION = 0.9;
const SERVICE_RATE_PER_MS = 1;
const CUSTOMERS = 3_000_000;
const WARMUP_CUSTOMERS = 50_000;
const TOLERANCE = 0.03;

interface QueueRun {
  meanTimeInSystemMs: number;
  waitingProbability: number;
}

/** Runs an M/M/c queue and measures customers after the warm-up. */
function runQueue(seed: number, servers: number): QueueRun {
  const arrivalRatePerMs = UTILISATION * servers * SERVICE_RATE_PER_MS;
  const sim = new Simulation({ seed, network: { latency: { kind: 'constant', ms: 0 } } });
  const arrivedMs = new Float64Array(CUSTOMERS);
  let timeInSystemMs = 0;
  let measured = 0;
  let waited = 0;

  const server = sim.addNode('server', (ctx: NodeContext<number, number>) => {
    const client = ctx.lookup('client');
    let busy = 0;
    let waiting: number[] = [];
    let head = 0;
    const serve = (customer: number): void => {
      ctx.setTimer(ctx.rng.exponential(1 / SERVICE_RATE_PER_MS), customer);
    };
    return {
      onMessage(_from, customer) {
        if (busy < servers) {
          busy++;
          serve(customer);
          return;
        }
        if (customer >= WARMUP_CUSTOMERS) waited++;
        waiting.push(customer);
      },
      onTimer(customer) {
        ctx.send(client, customer as number);
        if (head === waiting.length) {
          busy--;
          return;
        }
        serve(waiting[head++]!);
        if (head > 4_096 && head * 2 > waiting.length) {
          waiting = waiting.slice(head);
          head = 0;
        }
      },
    };
  });

  sim.addNode('client', (ctx: NodeContext<number, undefined>) => {
    let next = 0;
    ctx.setTimer(ctx.rng.exponential(1 / arrivalRatePerMs));
    return {
      onTimer() {
        arrivedMs[next] = ctx.now;
        ctx.send(server, next);
        next++;
        if (next < CUSTOMERS) ctx.setTimer(ctx.rng.exponential(1 / arrivalRatePerMs));
      },
      onMessage(_from, customer) {
        if (customer < WARMUP_CUSTOMERS) return;
        timeInSystemMs += ctx.now - arrivedMs[customer]!;
        measured++;
      },
    };
  });

  sim.run();
  return { meanTimeInSystemMs: timeInSystemMs / measured, waitingProbability: waited / measured };
}

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

/** Runs `run` once, on first use, so the tests of one queue share one simulation. */
function once<T>(run: () => T): () => T {
  let result: T | undefined;
  return () => (result ??= run());
}

describe('M/M/1 queue at utilisation 0.9', () => {
  const lambda = UTILISATION * SERVICE_RATE_PER_MS;
  const measure = once(() => runQueue(20_240_901, 1));

  it('has mean time in system 1 / (mu - lambda) within 3%', () => {
    const { meanTimeInSystemMs } = measure();

    expectRelative(meanTimeInSystemMs, 1 / (SERVICE_RATE_PER_MS - lambda), TOLERANCE, 'M/M/1 mean time in system (ms)');
  });

  it('makes a fraction rho of customers wait, within 3%', () => {
    const { waitingProbability } = measure();

    expectRelative(waitingProbability, UTILISATION, TOLERANCE, 'M/M/1 probability of waiting');
  });
});

describe('M/M/4 queue at utilisation 0.9', () => {
  const servers = 4;
  const lambda = UTILISATION * servers * SERVICE_RATE_PER_MS;
  const waitProbability = erlangC(servers, lambda / SERVICE_RATE_PER_MS);
  const measure = once(() => runQueue(20_240_902, servers));

  it('has mean time in system C(c, a) / (c mu - lambda) + 1 / mu within 3%', () => {
    const { meanTimeInSystemMs } = measure();

    const expected = waitProbability / (servers * SERVICE_RATE_PER_MS - lambda) + 1 / SERVICE_RATE_PER_MS;
    expectRelative(meanTimeInSystemMs, expected, TOLERANCE, 'M/M/4 mean time in system (ms)');
  });

  it('makes a fraction C(c, a) of customers wait (Erlang C), within 3%', () => {
    const { waitingProbability } = measure();

    expectRelative(waitingProbability, waitProbability, TOLERANCE, 'M/M/4 probability of waiting');
  });

  it('uses the textbook Erlang C value for c = 4, a = 3.6', () => {
    expectRelative(waitProbability, 0.7878, 0.001, 'Erlang C(4, 3.6)');
  });
});
