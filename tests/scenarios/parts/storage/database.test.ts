import { describe, expect, it } from 'vitest';
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import {
  CommitIndex,
  committedWrites,
  DatabaseLoad,
  type DbMessage,
  type DbQuery,
  type DbReply,
  databaseNode,
  writesAppliedTwice,
} from '../../../../scenarios/parts/storage/database.ts';

interface Sent {
  atMs: number;
  query: DbQuery;
}

/** A database and a client that sends queries at given times; constant 10 ms service, zero network. */
function harness(sends: Sent[], options: { connections?: number; queueLimit?: number; acquireTimeoutMs?: number; changeFeed?: boolean } = {}) {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 0 } } });
  const load = new DatabaseLoad(options.connections ?? 1);
  const replies: { atMs: number; reply: DbReply }[] = [];
  const changes: string[] = [];
  sim.addNode(
    'db',
    databaseNode({
      connections: options.connections ?? 1,
      queueLimit: options.queueLimit ?? 100,
      acquireTimeoutMs: options.acquireTimeoutMs ?? 1000,
      serviceMeanMs: () => 10,
      serviceSpread: 0,
      load,
      initialValue: (key) => `${key}:initial`,
      changeFeed: options.changeFeed ? 'client' : undefined,
    }),
  );
  const client: Spawn<DbMessage, number> = (ctx) => {
    sends.forEach((s, i) => {
      ctx.setTimer(s.atMs, i);
    });
    return {
      onTimer(i) {
        ctx.send('db', { type: 'db', id: i + 1, query: sends[i]!.query });
      },
      onMessage(_from, msg) {
        if (msg.type === 'db-reply') replies.push({ atMs: ctx.now, reply: msg });
        if (msg.type === 'change') changes.push(`${msg.key}@${msg.version}`);
      },
    };
  };
  sim.addNode('client', client);
  return { sim, load, replies, changes };
}

const read = (key: string): DbQuery => ({ op: 'read', key });
const write = (key: string, value: unknown, requestId?: number): DbQuery =>
  requestId === undefined ? { op: 'write', key, value } : { op: 'write', key, value, requestId };

describe('database connection pool', () => {
  it('runs as many queries at once as it has connections; the next one waits for a free connection', () => {
    const { sim, replies, load } = harness(
      Array.from({ length: 3 }, () => ({ atMs: 0, query: read('a') })),
      { connections: 2 },
    );

    sim.run();

    expect(replies.map((r) => r.atMs)).toEqual([10, 10, 20]);
    expect(load.busyMax).toBe(2);
    expect(load.queuedMax).toBe(1);
  });

  it('refuses a query at once when its queue is full', () => {
    const { sim, replies, load } = harness(
      Array.from({ length: 4 }, () => ({ atMs: 0, query: read('a') })),
      { connections: 1, queueLimit: 2 },
    );

    sim.run();

    expect(replies.map((r) => [r.atMs, r.reply.ok, r.reply.reason ?? ''])).toEqual([
      [0, false, 'queue-full'],
      [10, true, ''],
      [20, true, ''],
      [30, true, ''],
    ]);
    expect(load.refused).toBe(1);
  });

  it('fails a query that waits for a connection past the acquire timeout', () => {
    const { sim, replies, load } = harness(
      Array.from({ length: 3 }, () => ({ atMs: 0, query: read('a') })),
      { connections: 1, acquireTimeoutMs: 15 },
    );

    sim.run();

    expect(replies.map((r) => [r.atMs, r.reply.ok])).toEqual([
      [10, true],
      [15, false],
      [20, true],
    ]);
    expect(load.timedOut).toBe(1);
  });

  it('gives a write the next version and announces it on the change feed', () => {
    const { sim, replies, changes } = harness(
      [
        { atMs: 0, query: write('a', 'x') },
        { atMs: 20, query: write('a', 'y') },
        { atMs: 40, query: read('a') },
        { atMs: 40, query: read('never-written') },
      ],
      { connections: 2, changeFeed: true },
    );

    sim.run();

    expect(replies.map((r) => r.reply.rows![0])).toEqual([
      { key: 'a', value: 'x', version: 1 },
      { key: 'a', value: 'y', version: 2 },
      { key: 'a', value: 'y', version: 2 },
      { key: 'never-written', value: 'never-written:initial', version: 0 },
    ]);
    expect(changes).toEqual(['a@1', 'a@2']);
  });

  it('a read sees the rows as of its start: a write committing meanwhile is not in it', () => {
    const { sim, replies } = harness(
      [
        { atMs: 0, query: write('a', 'new') },
        { atMs: 5, query: read('a') },
      ],
      { connections: 2 },
    );

    sim.run();

    expect(replies.map((r) => [r.atMs, r.reply.rows![0]!.version])).toEqual([
      [10, 1],
      [15, 0],
    ]);
  });

  it('keeps its rows across a restart and drops the queries that were in flight', () => {
    const { sim, replies } = harness([
      { atMs: 0, query: write('a', 'kept') },
      { atMs: 20, query: read('a') },
      { atMs: 40, query: read('a') },
    ]);
    sim.schedulePlan([
      { at: 25, kind: 'crash', node: 'db' },
      { at: 30, kind: 'restart', node: 'db' },
    ]);

    sim.run();

    expect(replies.map((r) => [r.atMs, r.reply.rows![0]!.value])).toEqual([
      [10, 'kept'],
      [50, 'kept'],
    ]);
  });

  it('forces each commit before it answers: a crash right after the answer loses nothing acknowledged', () => {
    const { sim, replies } = harness([
      { atMs: 0, query: write('a', 'first') },
      { atMs: 20, query: read('a') },
    ]);
    sim.schedulePlan([
      { at: 1, kind: 'crash', node: 'db', when: 'io:sent' },
      { at: 15, kind: 'restart', node: 'db' },
    ]);

    sim.run();

    expect(replies.map((r) => r.reply.rows![0]!.value)).toEqual(['first', 'first']);
  });

  it('a crash before the force loses the write, and nobody heard of it', () => {
    const { sim, replies } = harness([
      { atMs: 0, query: write('a', 'lost') },
      { atMs: 20, query: read('a') },
    ]);
    sim.schedulePlan([
      { at: 1, kind: 'crash', node: 'db', when: 'io:force' },
      { at: 15, kind: 'restart', node: 'db' },
    ]);

    sim.run();

    expect(replies.map((r) => r.reply.rows![0]!.value)).toEqual(['a:initial']);
  });

  it('applies a write whose idempotency key it has committed already only once, and answers as the first time', () => {
    const { sim, replies } = harness(
      [
        { atMs: 0, query: write('a', 'x', 7) },
        { atMs: 20, query: write('a', 'y', 8) },
        { atMs: 40, query: write('a', 'x', 7) },
        { atMs: 60, query: read('a') },
      ],
      { connections: 1 },
    );

    sim.run();

    expect(replies.map((r) => r.reply.rows![0])).toEqual([
      { key: 'a', value: 'x', version: 1 },
      { key: 'a', value: 'y', version: 2 },
      { key: 'a', value: 'x', version: 1 },
      { key: 'a', value: 'y', version: 2 },
    ]);
    expect(writesAppliedTwice(sim.disk(sim.nodeId('db')))).toEqual([]);
  });

  it('handles a query the network duplicated once (it arrives over TCP)', () => {
    const { sim, replies, load } = harness([{ atMs: 0, query: read('a') }]);
    sim.network.degrade(null, null, { duplicateRate: 1 });

    sim.run();

    expect(load.arrived).toBe(1);
    expect(replies.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps its commits in a log a checker can index by request id', () => {
    const { sim } = harness([
      { atMs: 0, query: write('a', 'x', 1) },
      { atMs: 20, query: write('b', 'y', 2) },
      { atMs: 40, query: write('a', 'z', 3) },
    ]);
    const index = new CommitIndex(sim.disk(sim.nodeId('db')));

    sim.run();

    expect([index.versionOf(1), index.versionOf(2), index.versionOf(3), index.versionOf(4)]).toEqual([1, 1, 2, undefined]);
    expect([index.latestVersion('a'), index.latestVersion('never')]).toEqual([2, 0]);
    expect([...committedWrites(sim.disk(sim.nodeId('db')))].map((c) => c.requestId)).toEqual([1, 2, 3]);
  });

  it('a crash at `committed` keeps the write and loses its answer; the retry after the restart is applied once', () => {
    const { sim, replies } = harness(
      [
        { atMs: 0, query: write('a', 'x', 9) },
        { atMs: 30, query: write('a', 'x', 9) },
        { atMs: 50, query: read('a') },
      ],
      { connections: 1 },
    );
    sim.schedulePlan([
      { at: 0, kind: 'crash', node: 'db', when: 'committed' },
      { at: 20, kind: 'restart', node: 'db' },
    ]);

    sim.run();

    expect(replies.map((r) => r.reply.rows![0])).toEqual([
      { key: 'a', value: 'x', version: 1 },
      { key: 'a', value: 'x', version: 1 },
    ]);
    expect(writesAppliedTwice(sim.disk(sim.nodeId('db')))).toEqual([]);
  });
});
