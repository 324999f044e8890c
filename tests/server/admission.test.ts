/**
 * Fair admission, with a fake pool whose runs finish when the test says: who goes first, which
 * lane a run takes, what a full server answers at once, and that a run's time budget starts
 * when a thread takes it.
 */
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionOptions, type RunBudget } from '../../server/admission.ts';
import { CostBook } from '../../server/cost-book.ts';
import { FairQueue } from '../../server/fair-queue.ts';
import { RunError } from '../../server/run-pool.ts';
import type { RunOutput, RunTask } from '../../wire/index.ts';

interface Started {
  task: RunTask;
  budget: RunBudget;
  finish(traceEvents: number): void;
  fail(error: RunError): void;
}

/** An admission over a pool that records what it was handed and lets the test finish each run. */
function harness(options: AdmissionOptions = {}) {
  const started: Started[] = [];
  const book = new CostBook();
  const admission = new Admission(
    (task, budget) =>
      new Promise<RunOutput>((resolve, reject) => {
        started.push({
          task,
          budget,
          finish: (traceEvents) =>
            resolve({ summary: { traceEvents } as RunOutput['summary'], json: '', offsets: new Float64Array(1), times: new Float64Array(0) }),
          fail: reject,
        });
      }),
    book,
    { heavySlots: 2, lightEventsMax: 1_000, traceEventsMax: 100_000, costMax: 400_000, ...options },
  );
  const submit = (key: string, scenario: string, seed: number, signal?: AbortSignal) =>
    admission.submit(key, `${scenario}|params`, { scenario, strategy: 's', seed, params: {}, faults: [] }, signal);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { admission, book, started, submit, settle };
}

const runningScenarios = (started: Started[], done: Set<Started>) => started.filter((s) => !done.has(s)).map((s) => `${s.task.scenario}#${s.task.seed}`);

describe('Admission', () => {
  it('starts a small run from a new client on the light thread while heavy runs of others fill the rest', async () => {
    const { book, started, submit, settle } = harness();
    book.learn('heavy|params', 90_000);
    book.learn('small|params', 100);
    for (let k = 0; k < 8; k++) submit(`127.0.0.${2 + k}`, 'heavy', k).catch(() => {});
    await settle();

    submit('127.0.0.1', 'small', 1);
    await settle();

    expect(started.map((s) => s.task.scenario)).toEqual(['heavy', 'heavy', 'small']);
    expect(started[2]!.budget.traceEventsMax).toBe(1_000);
  });

  it('never lets heavy runs take the last thread', async () => {
    const { book, started, submit, settle } = harness();
    book.learn('heavy|params', 90_000);
    for (let k = 0; k < 3; k++) submit(`c${k}`, 'heavy', k).catch(() => {});
    await settle();

    expect(started).toHaveLength(2);
  });

  it('tries a run of unknown cost in the light lane, then runs it as heavy and re-prices the queued runs like it', async () => {
    const { book, started, submit, settle } = harness({ heavySlots: 1 });
    const first = submit('a', 'unknown', 1);
    submit('a', 'unknown', 2).catch(() => {});
    submit('a', 'unknown', 3).catch(() => {});
    await settle();
    expect(started.map((s) => s.budget.traceEventsMax)).toEqual([1_000]);

    started[0]!.fail(new RunError(422, 'too-many-events', 'over the light budget'));
    await settle();

    expect(book.estimate('unknown|params')).toBe(100_000);
    const heavy = started.filter((s) => s.budget.traceEventsMax === 100_000);
    expect(heavy).toHaveLength(1);
    expect(heavy[0]!.task.seed).toBe(1);
    expect(started).toHaveLength(2);
    heavy[0]!.finish(70_000);
    await expect(first).resolves.toMatchObject({ summary: { traceEvents: 70_000 } });
    expect(book.estimate('unknown|params')).toBe(70_000);
  });

  it('tries runs of unknown cost one signature at a time, so a small run of another kind gets a thread at once', async () => {
    const { started, submit, settle } = harness();
    for (let a = 2; a <= 9; a++) for (let k = 0; k < 4; k++) submit(`127.0.0.${a}`, 'flood', a * 10 + k).catch(() => {});
    await settle();
    expect(started.map((s) => s.task.scenario)).toEqual(['flood']);

    submit('127.0.0.1', 'small', 1);
    await settle();

    expect(started.map((s) => s.task.scenario)).toEqual(['flood', 'small']);
  });

  it('gives a client over its own share 429 with Retry-After at once', async () => {
    const { submit, settle } = harness({ clientRunsMax: 2 });
    submit('a', 'x', 1).catch(() => {});
    submit('a', 'x', 2).catch(() => {});
    await settle();

    const third = await submit('a', 'x', 3).catch((e: RunError) => e);

    expect(third).toBeInstanceOf(RunError);
    expect((third as RunError).status).toBe(429);
    expect((third as RunError).retryAfterSec).toBeGreaterThanOrEqual(1);
  });

  it('when full, drops the newest queued run of the client holding the most (503 + Retry-After) to let a lighter client in', async () => {
    const { book, started, submit, settle } = harness({ costMax: 400_000, clientCostMax: 400_000 });
    book.learn('heavy|params', 100_000);
    book.learn('small|params', 100);
    const hog = [0, 1, 2, 3].map((k) => submit('hog', 'heavy', k).catch((e: RunError) => e));
    await settle();

    const small = submit('other', 'small', 9);
    await settle();
    const dropped = await hog[3];

    expect(dropped).toBeInstanceOf(RunError);
    expect((dropped as RunError).status).toBe(503);
    expect((dropped as RunError).retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(started.map((s) => s.task.scenario)).toContain('small');
    started.find((s) => s.task.scenario === 'small')!.finish(100);
    await expect(small).resolves.toBeDefined();
  });

  it("starts a run's time budget when a thread takes it, not when it is queued", async () => {
    const { book, started, submit, settle } = harness({ heavySlots: 1, runTimeoutMs: 60_000 });
    book.learn('heavy|params', 90_000);
    submit('a', 'heavy', 1).catch(() => {});
    submit('b', 'heavy', 2).catch(() => {});
    await settle();
    expect(started).toHaveLength(1);

    started[0]!.finish(90_000);
    await settle();

    expect(started).toHaveLength(2);
    expect(started[1]!.budget.timeoutMs).toBe(60_000);
  });

  it('takes a queued run out of the queue when its client goes away', async () => {
    const { admission, book, submit, settle } = harness({ heavySlots: 1 });
    book.learn('heavy|params', 90_000);
    submit('a', 'heavy', 1).catch(() => {});
    const gone = new AbortController();
    const queued = submit('b', 'heavy', 2, gone.signal).catch((e: RunError) => e);
    await settle();
    expect(admission.load.queued).toBe(1);

    gone.abort();

    expect(((await queued) as RunError).code).toBe('withdrawn');
    expect(admission.load.queued).toBe(0);
  });

  it('lists running work by client fairly: each backlogged client gets its turn, weighed by cost', async () => {
    const { book, started, submit, settle } = harness({ heavySlots: 1 });
    book.learn('heavy|params', 90_000);
    for (let k = 0; k < 3; k++) submit('hog', 'heavy', k).catch(() => {});
    await settle();
    submit('late', 'heavy', 10).catch(() => {});
    await settle();

    const done = new Set<Started>();
    started[0]!.finish(90_000);
    done.add(started[0]!);
    await settle();

    expect(runningScenarios(started, done)).toEqual(['heavy#10']);
  });
});

describe('FairQueue', () => {
  it('serves a newly arrived client level with the backlogged ones, the cheaper job first on a tie', () => {
    const q = new FairQueue<{ key: string; cost: number; id: string }>();
    q.push({ key: 'hog', cost: 100, id: 'h1' });
    q.push({ key: 'hog', cost: 100, id: 'h2' });
    q.push({ key: 'hog', cost: 100, id: 'h3' });
    expect(q.pick()!.id).toBe('h1');

    q.push({ key: 'new', cost: 1, id: 'n1' });

    expect(q.pick()!.id).toBe('n1');
    expect(q.pick()!.id).toBe('h2');
  });

  it('only hands out jobs the filter accepts', () => {
    const q = new FairQueue<{ key: string; cost: number; id: string }>();
    q.push({ key: 'a', cost: 100, id: 'heavy' });
    q.push({ key: 'b', cost: 1, id: 'light' });

    expect(q.pick((j) => j.cost < 10)!.id).toBe('light');
    expect(q.pick((j) => j.cost < 10)).toBeUndefined();
    expect(q.size).toBe(1);
  });
});
