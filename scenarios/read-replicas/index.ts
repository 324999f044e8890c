/**
 * Read replicas: scale reads out, and pay in consistency.
 *
 * Writes go to one primary, which replicates its log asynchronously to replicas. Replicas
 * take read load off the primary, but each applies the log a little late (its replica lag),
 * and now and then a lot late (a spike). A session that reads from a replica right after its
 * own write may not see it (read-your-writes broken), and a session bounced between two
 * replicas may see a row go back in time (monotonic reads broken).
 *
 * The strategies are where a session's reads go: always the primary, any replica, the
 * primary for a while after the session wrote, or a replica that has provably caught up to
 * the session's log position.
 */
import { z } from 'zod';
import { percentile } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import { ReplicationLag } from '../parts/replication/replication-lag.ts';
import { ReplicationLog } from '../parts/replication/replication-log.ts';
import { LOG, primaryNode, ROWS, replicaNode } from './database.ts';
import type { Row, WriteOp } from './messages.ts';
import { type ReadStrategy, type SessionStats, session } from './session.ts';
import { rowsThatDiffer, SessionAuditor } from './session-auditor.ts';
import { drawSessions } from './workload.ts';

const params = z.object({
  replicas: z.number().int().min(1).max(16).default(2).describe('read replicas following the primary'),
  sessions: z.number().int().min(1).max(64).default(3).describe('user sessions issuing reads and writes'),
  rows: z.number().int().min(1).max(1000).default(8).describe('rows the sessions read and write'),
  opsPerSec: z.number().min(0.5).max(200).default(8).describe('operations per second per session (Poisson), in 1/s'),
  writeShare: z.number().min(0).max(1).default(0.2).describe('share of operations that change a row (writes and deletes)'),
  deleteShare: z.number().min(0).max(1).default(0.15).describe('share of those changes that delete the row instead of writing it'),
  readBackMeanMs: z
    .number()
    .min(1)
    .max(5000)
    .default(60)
    .describe('after a write is acknowledged, the session reads the row back after this long on average, in ms'),
  workloadMs: z.number().min(500).max(120_000).default(3000).describe('the sessions work for this long, in ms'),
  lagMedianMs: z.number().min(0.1).max(5000).default(20).describe('median time a replica takes to apply an entry after it arrives, in ms'),
  lagSigma: z.number().min(0).max(2).default(0.8).describe('spread of that apply delay (lognormal sigma)'),
  lagSpikeRate: z.number().min(0).max(1).default(0.02).describe('probability that an entry hits a replay spike'),
  lagSpikeMeanMs: z.number().min(0).max(10_000).default(100).describe('mean extra delay of a replay spike, in ms'),
  stickyMs: z
    .number()
    .min(0)
    .max(60_000)
    .default(500)
    .describe('(primary-after-write) how long after its last write a session keeps reading from the primary, in ms'),
  lsnWaitMs: z
    .number()
    .min(1)
    .max(10_000)
    .default(200)
    .describe('(lsn-wait) how long a replica holds a read waiting to reach the session’s log position before saying "behind", in ms'),
  readTimeoutMs: z.number().min(10).max(10_000).default(250).describe('a read not answered by then is retried on the primary, in ms'),
  writeTimeoutMs: z.number().min(10).max(10_000).default(1000).describe('a write not acknowledged by then is given up, in ms'),
  readServiceMs: z.number().min(0).max(100).default(1).describe('time a node spends serving one read, in ms'),
  writeServiceMs: z.number().min(0).max(100).default(2).describe('time the primary spends on one write, in ms'),
  latencyMeanMs: z.number().min(0).max(100).default(1).describe('mean one-way network latency above a 0.5 ms floor, in ms'),
  settleMs: z.number().min(100).max(120_000).default(2000).describe('after the last fault heals, time allowed for every replica to catch up, in ms'),
});
type Params = z.infer<typeof params>;

const userName = (i: number): string => `user${i + 1}`;
const replicaName = (i: number): string => `r${i + 1}`;
const replicaNames = (p: Params): string[] => Array.from({ length: p.replicas }, (_, i) => replicaName(i));

export const readReplicas = defineScenario({
  id: 'read-replicas',
  title: 'Read replicas: read-your-writes under replica lag',
  family: 'data',
  question:
    'Replicas take read load off the primary, but they lag behind it: which read routing keeps a user from missing their own write, or seeing time run backwards?',
  summary:
    'Sessions write to a primary that replicates asynchronously to replicas, and read either from the primary or from a replica. Replica lag has its own distribution and spikes; inject a replay stall or crash a replica and watch reads from replicas return rows older than the session’s own write, or older than what it saw a moment ago. Read load spread, stale reads and session-guarantee violations are counted per strategy.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 0.5 } }),
  strategies: [
    {
      id: 'primary-only',
      title: 'All reads on the primary',
      explanation:
        'Every read goes to the primary, which always has the newest data: no stale read, ever. The replicas are only standbys; the primary carries the whole read load, so read capacity does not grow with replicas.',
      expectedViolations: [],
    },
    {
      id: 'replica-reads',
      title: 'Reads on any replica',
      explanation:
        'Every read goes to a replica picked at random: the primary only takes writes, and read capacity grows with each replica. But a replica serves whatever it has applied: right after a write, the writer may not see it, and two reads in a row on two replicas at different lags can show a row going back in time.',
      expectedViolations: ['read-your-writes', 'monotonic-reads', 'session-guarantees'],
    },
    {
      id: 'primary-after-write',
      title: 'Primary for a while after your own write',
      explanation:
        'A session that has just written reads from the primary for a fixed window (a cookie with an expiry), and from a random replica otherwise. Cheap and common; it holds as long as replica lag stays under the window. A replay stall longer than the window, or a replica that comes back from a crash far behind, and the writer reads its own row from a replica that has not got it yet.',
      expectedViolations: ['read-your-writes'],
    },
    {
      id: 'lsn-wait',
      title: 'Replica reads that wait for your log position',
      explanation:
        'The session keeps a token: the highest log position (LSN) it has seen, from its writes’ acknowledgements and from earlier reads. A replica serves the read only once it has applied that far, and otherwise holds it briefly and then answers "behind", so the session asks the primary. Reads stay on replicas while they keep up, and no lag can show a session an older state than it has already seen.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'replica-reads',
  invariants: [
    {
      name: 'read-your-writes',
      kind: 'safety',
      description: 'A read issued after a session’s write to a row was acknowledged returns that write or a later one.',
    },
    {
      name: 'monotonic-reads',
      kind: 'safety',
      description: 'A session never reads an older version of a row than one it has already been shown.',
      appliesTo: ['primary-only', 'replica-reads', 'lsn-wait'],
    },
    {
      name: 'session-guarantees',
      kind: 'safety',
      description:
        'Judged by the generic session checker on the recorded client history, independently of the auditor behind the two invariants above: within each session, reads never miss the session’s own acknowledged writes and never go back to an older version (log positions as versions).',
      appliesTo: ['primary-only', 'replica-reads', 'lsn-wait'],
      history: { model: 'session' },
    },
    {
      name: 'no-acknowledged-write-lost',
      kind: 'safety',
      description:
        'Every write the primary acknowledged is still in its log, at the position it was acknowledged with, once the run ends: a crash of the primary loses nothing it had confirmed.',
    },
    {
      name: 'replicas-catch-up',
      kind: 'liveness',
      description: 'Once the faults heal, every replica applies the primary’s whole log within the settle time and holds exactly the primary’s rows.',
    },
  ],
  goals: [
    { name: 'read-back', description: 'A session read a row back after its own write to it was acknowledged.' },
    { name: 'replica-lag-spike', description: 'A replica fell more than 500 ms behind the primary.' },
  ],
  metrics: [
    { name: 'primaryReadShare', unit: 'ratio', description: 'share of reads served by the primary (the read load the replicas did not take)', better: 'lower' },
    {
      name: 'staleReadRate',
      unit: 'ratio',
      description: 'share of reads that returned a row older than one already committed when the read was issued',
      better: 'lower',
    },
    { name: 'stalenessP99Ms', unit: 'ms', description: '99th percentile age of the newer write a stale read missed', better: 'lower' },
    { name: 'readYourWritesViolations', unit: 'reads', description: 'reads that missed the session’s own acknowledged write', better: 'lower' },
    { name: 'monotonicReadViolations', unit: 'reads', description: 'reads that returned an older version than the session had already seen', better: 'lower' },
    { name: 'readLatencyP50Ms', unit: 'ms', description: 'median read latency, including waits and fallbacks', better: 'lower' },
    { name: 'readLatencyP99Ms', unit: 'ms', description: '99th percentile read latency, including waits and fallbacks', better: 'lower' },
    { name: 'writeLatencyP50Ms', unit: 'ms', description: 'median write latency', better: 'lower' },
    { name: 'fallbackReads', unit: 'reads', description: 'reads retried on the primary (a replica timed out or was behind)', better: 'lower' },
    { name: 'failedReads', unit: 'reads', description: 'reads that got no answer at all', better: 'lower' },
    { name: 'replicaLagMaxMs', unit: 'ms', description: 'worst replica lag seen (age of the oldest entry a replica had not applied)', better: 'lower' },
  ],
  presets: [
    {
      id: 'lag-spike',
      title: 'A replica stalls replay for 2 s',
      description:
        'r1 stops applying the log for 2,000 ms a third of the way in (a long query holds replay back); its lag climbs to 2 s, then it catches up in a burst.',
      faults: (p: Params) => [{ at: Math.round(p.workloadMs / 3), kind: 'inject', name: 'lag-spike', node: 'r1', args: { durationMs: 2000 } }],
    },
    {
      id: 'replica-crash',
      title: 'A replica crashes and comes back behind',
      description: 'r1 crashes a third of the way in and restarts 1,200 ms later, behind by everything written meanwhile.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 3), kind: 'crash', node: 'r1' },
        { at: Math.round(p.workloadMs / 3) + 1200, kind: 'restart', node: 'r1' },
      ],
    },
    {
      id: 'replica-cut-off',
      title: 'A replica is cut off from the primary',
      description: 'r1 is partitioned away from everyone for 1,500 ms: it receives no log and its reads time out.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 3), kind: 'partition', groups: [['r1']] },
        { at: Math.round(p.workloadMs / 3) + 1500, kind: 'heal' },
      ],
    },
    {
      id: 'primary-crash',
      title: 'The primary crashes and restarts',
      description:
        'The primary crashes a third of the way in, right after acknowledging a write, and restarts 800 ms later: every write it acknowledged was forced to its log first, so none is lost.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs / 3), kind: 'crash', node: 'primary', when: 'io:sent' },
        { at: Math.round(p.workloadMs / 3) + 800, kind: 'restart', node: 'primary' },
      ],
    },
    { id: 'no-faults', title: 'No faults', description: 'Only the replicas’ ordinary lag and its natural spikes.', faults: () => [] },
  ],
  defaultPreset: 'lag-spike',
  alarmStates: ['replay-stalled'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    injects: [
      {
        name: 'lag-spike',
        description: 'the replica stops replaying the log for a while (a long query, a vacuum, an I/O stall)',
        nodes: replicaNames(p),
        args: { durationMs: { min: 200, max: 3000, integer: true } },
      },
    ],
  }),
  build(world) {
    const { params: p } = world;
    const strategy = world.strategy as ReadStrategy;
    const auditor = new SessionAuditor(world);
    const ops = drawSessions(world.stream('workload'), p);
    const replicas = replicaNames(p);
    const stats: SessionStats = { readLatencyMs: [], writeLatencyMs: [], fallbacks: 0, failedReads: 0, failedWrites: 0 };
    const lag = new ReplicationLag({
      delay: { kind: 'lognormal', medianMs: p.lagMedianMs, sigma: p.lagSigma },
      spikeRate: p.lagSpikeRate,
      spike: { kind: 'exponential', meanMs: p.lagSpikeMeanMs },
    });
    const db = { readServiceMs: p.readServiceMs, writeServiceMs: p.writeServiceMs, resendMs: 200, auditor };
    const sessionConfig = {
      strategy,
      primary: 'primary',
      replicas,
      stickyMs: p.stickyMs,
      readTimeoutMs: p.readTimeoutMs,
      writeTimeoutMs: p.writeTimeoutMs,
      workloadOpen: () => world.now < world.workloadMs,
      history: world.history,
    };

    ops.forEach((sessionOps, i) => {
      world.node(
        userName(i),
        {
          role: 'session',
          spare: {
            crash: 'a session stands for a user at a browser: the requests it makes are the workload, and what the databases do with them is the question',
          },
        },
        session(sessionOps, sessionConfig, auditor, stats),
      );
    });
    world.node('primary', { role: 'primary' }, primaryNode(Object.assign({}, db, { replicas })));
    for (const name of replicas) {
      world.node(
        name,
        { role: 'replica' },
        replicaNode(
          Object.assign({}, db, {
            lsnWaitMs: p.lsnWaitMs,
            lag,
            stallMs: (requestedMs: number) => Math.max(0, Math.min(requestedMs, world.healAtMs - world.now)),
          }),
        ),
      );
    }

    const logOf = (name: string): ReplicationLog<WriteOp> => new ReplicationLog<WriteOp>(world.disk(name), LOG);
    /** How far a replica is behind, in ms: how long ago the oldest entry it has not applied committed (0 when caught up). */
    const lagMsOf = (name: string): number => {
      const at = auditor.commitTimeOf(logOf(name).appliedLsn + 1);
      return at === undefined ? 0 : world.now - at;
    };
    world.chart({
      id: 'lag',
      title: 'Replica lag',
      unit: 'ms',
      everyMs: 50,
      series: Object.fromEntries(replicas.map((name) => [`lag.${name}`, () => lagMsOf(name)])),
      limit: { value: p.stickyMs, label: 'primary-after-write window' },
    });
    world.chart({
      id: 'reads',
      title: 'Reads served per node',
      unit: '1/s',
      everyMs: 50,
      series: Object.fromEntries(['primary', ...replicas].map((name) => [`reads.${name}`, { perSecond: () => auditor.servedBy.get(name) ?? 0 }])),
    });
    world.chart({
      id: 'stale',
      title: 'Stale reads and guarantee violations (cumulative)',
      unit: 'reads',
      everyMs: 50,
      series: { 'stale-reads': () => auditor.staleReads, violations: () => auditor.readYourWritesBroken + auditor.monotonicBroken },
    });

    world.atEnd(() => {
      const primaryLog = logOf('primary');
      const lost = auditor.writesMissingFrom(primaryLog);
      if (lost.length > 0) {
        world.violate(
          'no-acknowledged-write-lost',
          `${lost.length} acknowledged write${lost.length === 1 ? ' is' : 's are'} no longer in the primary’s log: ${lost
            .slice(0, 3)
            .map((w) => `${w.key} (${w.id}, LSN ${w.lsn})`)
            .join(', ')}${lost.length > 3 ? ', ...' : ''}`,
          {
            node: 'primary',
            witnesses: lost.slice(0, 3).map((w) => ({ t: w.atMs, node: w.session, key: w.key, what: `write ${w.id} acknowledged at LSN ${w.lsn}` })),
          },
        );
      }
      const last = primaryLog.lastLsn;
      const primaryRows = world.disk('primary').map<Row>(ROWS);
      const behind: string[] = [];
      for (const name of replicas) {
        const applied = logOf(name).appliedLsn;
        auditor.lagged(lagMsOf(name));
        if (applied < last) {
          behind.push(`${name} at LSN ${applied}`);
          continue;
        }
        const differ = rowsThatDiffer(primaryRows, world.disk(name).map<Row>(ROWS));
        if (differ.length > 0) behind.push(`${name} holds other versions of ${differ.slice(0, 3).join(', ')}`);
      }
      if (behind.length > 0) {
        world.violate(
          'replicas-catch-up',
          `${world.endMs - world.healAtMs} ms after every fault healed the primary is at LSN ${last}, but ${behind.join('; ')}`,
        );
      }
    });

    return {
      metrics() {
        const reads = auditor.reads;
        return {
          primaryReadShare: reads === 0 ? 0 : (auditor.servedBy.get('primary') ?? 0) / reads,
          staleReadRate: reads === 0 ? 0 : auditor.staleReads / reads,
          stalenessP99Ms: percentile(auditor.stalenessMs, 99),
          readYourWritesViolations: auditor.readYourWritesBroken,
          monotonicReadViolations: auditor.monotonicBroken,
          readLatencyP50Ms: percentile(stats.readLatencyMs, 50),
          readLatencyP99Ms: percentile(stats.readLatencyMs, 99),
          writeLatencyP50Ms: percentile(stats.writeLatencyMs, 50),
          fallbackReads: stats.fallbacks,
          failedReads: stats.failedReads,
          replicaLagMaxMs: auditor.lagMaxMs,
        };
      },
    };
  },
});
