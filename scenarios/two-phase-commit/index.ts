/**
 * Two-phase commit under a coordinator crash.
 *
 * A client moves money between accounts that live on different participants (database
 * nodes). Each transfer is one distributed transaction: the coordinator asks every
 * participant to PREPARE (lock the rows, force a log record, vote), then announces COMMIT or
 * ABORT. 2PC is atomic — unless the coordinator forgets what it decided — but it blocks: a
 * participant that voted YES may not decide alone, so while the coordinator is down it sits
 * in doubt holding its locks, and every later transfer that needs those rows is refused.
 *
 * The strategies differ in what survives the crash and in what an in-doubt participant does.
 */
import { z } from 'zod';
import { percentile, type Stream } from '../../engine/index.ts';
import { defineScenario } from '../framework/scenario.ts';
import { TransactionalStore } from '../parts/storage/transactional-store.ts';
import { uniformArrivals } from '../parts/workload/arrivals.ts';
import { numberedNames } from '../parts/workload/numbered-names.ts';
import { type Arrival, client } from './client.ts';
import { commitsInDecisionOrder, coordinator } from './coordinator.ts';
import { Ledger } from './ledger.ts';
import { participant } from './participant.ts';
import { sagaOrchestrator, unfinishedSagas } from './saga-orchestrator.ts';
import { TransferHistory } from './transfer-history.ts';

const params = z.object({
  participants: z.number().int().min(2).max(8).default(3).describe('database nodes holding the accounts'),
  accounts: z.number().int().min(2).max(32).default(6).describe('accounts on each participant'),
  closedAccounts: z.number().int().min(0).max(4).default(1).describe('accounts per participant that are closed and refuse credits (a business failure)'),
  initialBalance: z.number().int().min(0).max(1_000_000).default(1000).describe('starting balance of every account'),
  transfers: z.number().int().min(1).max(2000).default(20).describe('transfers the client submits'),
  localShare: z.number().min(0).max(1).default(0.2).describe('share of transfers between two accounts of the same participant (one PREPARE locking two rows)'),
  maxAmount: z.number().int().min(1).max(100_000).default(200).describe('largest amount moved by one transfer'),
  workloadMs: z.number().min(100).max(600_000).default(1000).describe('transfers arrive (Poisson) over this window, in ms'),
  latencyMeanMs: z.number().min(0).max(1000).default(4).describe('mean one-way network latency above a 1 ms floor, in ms'),
  logForceMs: z.number().min(0).max(100).default(2).describe('time to force a log record to disk, in ms'),
  voteTimeoutMs: z.number().min(10).max(60_000).default(200).describe('the coordinator aborts if a vote has not arrived by then, in ms'),
  inquiryTimeoutMs: z
    .number()
    .min(10)
    .max(60_000)
    .default(150)
    .describe('an in-doubt participant asks for the outcome after this wait, and again every time it elapses, in ms'),
  unilateralTimeoutMs: z
    .number()
    .min(10)
    .max(60_000)
    .default(300)
    .describe('(unilateral-abort) a participant aborts on its own after waiting this long, in ms'),
  decisionRetryMs: z.number().min(10).max(60_000).default(100).describe('the coordinator re-sends a decision until acknowledged, every this many ms'),
  clientRetryMs: z.number().min(10).max(60_000).default(400).describe('the client re-submits a transfer it has no outcome for, every this many ms'),
  settleMs: z.number().min(100).max(600_000).default(2000).describe('after the last fault heals, time allowed for every transaction to resolve, in ms'),
});
type Params = z.infer<typeof params>;

/** Participant names `p1`, `p2`... and their lock series `locks.p1`...: spelt once per process, not at every run's build. */
const participantName = numberedNames('p');
const lockSeries = numberedNames('locks.p');

/** Transfer ids `t1`, `t2`...: spelt once per process, as every message, log record and map of a run names transfers by them. */
const transferId = numberedNames('t');

export const twoPhaseCommit = defineScenario({
  id: 'two-phase-commit',
  title: 'Two-phase commit: the coordinator crashes',
  family: 'transactions',
  question: 'What happens to participants and their locks when the 2PC coordinator crashes mid-protocol, and what does each recovery strategy buy?',
  summary:
    'A client moves money between accounts on different participants; each transfer is a 2PC transaction. Crash the coordinator before PREPARE, after PREPARE or after the decision reached one participant, and watch participants sit in doubt holding locks, later transfers abort on those locks, and atomicity survive or break depending on where the decision lives.',
  params,
  timing: (p: Params) => ({ workloadMs: p.workloadMs, settleMs: p.settleMs }),
  network: (p: Params) => ({ latency: { kind: 'exponential', meanMs: p.latencyMeanMs, minMs: 1 } }),
  strategies: [
    {
      id: 'in-memory',
      title: '2PC, decision in memory',
      explanation:
        'The textbook protocol with the decision kept only in the coordinator’s memory. It is atomic as long as the coordinator stays up. After a crash it has forgotten every decision; asked about a transaction it has no record of, it presumes ABORT — even one it had decided to COMMIT and that a participant has already committed.',
      expectedViolations: ['atomicity', 'money-conserved', 'strict-serializable-transfers'],
    },
    {
      id: 'durable-log',
      title: '2PC, durable decision log',
      explanation:
        'The coordinator forces its decision to a log before anyone hears it, and a restarted coordinator re-reads the log and finishes announcing. Atomic under any crash, at the price of one log force per transaction — and still blocking: participants stay in doubt, holding locks, for as long as the coordinator is down.',
      expectedViolations: [],
    },
    {
      id: 'cooperative',
      title: '2PC with cooperative termination',
      explanation:
        'Durable decision log, and an in-doubt participant also asks the other participants. A peer that already knows the outcome tells it; a peer that has not voted yet aborts and says so. Blocking is cut short whenever some participant knows — but when every participant voted YES and none heard the decision, they can only wait for the coordinator.',
      expectedViolations: [],
    },
    {
      id: 'unilateral-abort',
      title: '2PC, participants decide alone on timeout',
      explanation:
        'A tempting fix for blocking: a participant in doubt for too long aborts on its own and releases its locks. It is no longer blocked — and no longer atomic: if the coordinator had decided COMMIT and another participant committed, the transfer is half applied and money appears or vanishes.',
      expectedViolations: ['atomicity', 'money-conserved', 'strict-serializable-transfers'],
    },
    {
      id: 'saga',
      title: 'Saga (contrast)',
      explanation:
        'No distributed transaction: debit the source in one local transaction, credit the destination in another, and refund the debit if the credit is refused. Steps are retried and idempotent and the orchestrator keeps a durable saga log. Nothing blocks and no lock outlives a step; in exchange the transfer is visibly half done between the steps, and isolation is gone.',
      expectedViolations: [],
    },
  ],
  defaultStrategy: 'durable-log',
  invariants: [
    {
      name: 'atomicity',
      kind: 'safety',
      description: 'Every transaction is committed on every participant or on none, and the client hears the outcome that was applied.',
      appliesTo: ['in-memory', 'durable-log', 'cooperative', 'unilateral-abort'],
    },
    {
      name: 'strict-serializable-transfers',
      kind: 'safety',
      description:
        'Judged by the generic transactional checker (Elle’s list-append, strict serializability) on the client’s history of transfers — each one reads the accounts it changes and appends its id to them, committed when the client hears COMMIT — and a final read of every account’s applied transfers from the participants’ logs once the system has settled, independently of the ledger behind the invariants above: no transfer the client was told aborted is seen, none it was told committed is lost, and the transfers fit one order that respects real time. A saga is not isolated (a refunded transfer’s debit was applied and seen) and claims none of this.',
      appliesTo: ['in-memory', 'durable-log', 'cooperative', 'unilateral-abort'],
      history: { model: 'list-append', consistency: 'strict-serializable' },
    },
    { name: 'no-double-outcome', kind: 'safety', description: 'No participant both commits and aborts the same transaction.' },
    {
      name: 'money-conserved',
      kind: 'safety',
      description: 'Once every transaction is resolved, the balances add up to what they started at: no money created or destroyed.',
    },
    {
      name: 'in-doubt-resolved',
      kind: 'liveness',
      description:
        'Once the faults heal, every transaction resolves within the settle time: no participant stays in doubt holding locks, no saga stays unfinished.',
    },
  ],
  goals: [
    {
      name: 'participant-in-doubt',
      description: 'A participant voted YES and waited past its inquiry timeout for the decision.',
      appliesTo: ['in-memory', 'durable-log', 'cooperative', 'unilateral-abort'],
    },
    { name: 'transfer-committed', description: 'At least one transfer committed.' },
    { name: 'transfer-aborted', description: 'At least one transfer aborted.' },
  ],
  metrics: [
    { name: 'commitLatencyP50Ms', unit: 'ms', description: 'median time from submitting a transfer to hearing COMMIT', better: 'lower' },
    { name: 'commitLatencyP99Ms', unit: 'ms', description: '99th percentile time from submitting a transfer to hearing COMMIT', better: 'lower' },
    { name: 'inDoubtMaxMs', unit: 'ms', description: 'longest a participant waited, after voting YES, to learn the outcome', better: 'lower' },
    { name: 'inDoubtTotalMs', unit: 'ms', description: 'total time participants spent waiting for outcomes after voting YES', better: 'lower' },
    { name: 'lockHoldP99Ms', unit: 'ms', description: '99th percentile time a transaction held its row locks', better: 'lower' },
    { name: 'halfAppliedMaxMs', unit: 'ms', description: 'longest a transfer was half applied (one side changed, the other not yet)', better: 'lower' },
    { name: 'throughputPerSec', unit: '1/s', description: 'transfers committed per second of workload', better: 'higher' },
    { name: 'abortRate', unit: 'ratio', description: 'share of decided transfers that aborted', better: 'lower' },
    { name: 'committed', unit: 'transfers', description: 'transfers the client heard committed', better: 'higher' },
    { name: 'aborted', unit: 'transfers', description: 'transfers the client heard aborted', better: 'neither' },
    { name: 'unresolved', unit: 'transfers', description: 'transfers whose outcome the client never heard', better: 'lower' },
    { name: 'messagesPerTransfer', unit: 'messages', description: 'messages sent per transfer', better: 'lower' },
  ],
  presets: [
    {
      id: 'coordinator-crash-before-prepare',
      title: 'Coordinator crashes before PREPARE',
      description: 'The coordinator crashes as a transfer arrives, before asking anyone to prepare; it restarts 600 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'coordinator', when: 'begin' },
        { at: Math.round(p.workloadMs * 0.3) + 600, kind: 'restart', node: 'coordinator' },
      ],
    },
    {
      id: 'coordinator-crash-after-prepare',
      title: 'Coordinator crashes after PREPARE',
      description:
        'The coordinator crashes right after sending PREPARE: participants vote YES into silence and sit in doubt, holding locks, until it restarts 600 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'coordinator', when: 'prepare-sent' },
        { at: Math.round(p.workloadMs * 0.3) + 600, kind: 'restart', node: 'coordinator' },
      ],
    },
    {
      id: 'coordinator-crash-after-decision',
      title: 'Coordinator crashes after COMMIT reached one participant',
      description: 'The coordinator decides COMMIT, tells the first participant and crashes before telling the second; it restarts 600 ms later.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'coordinator', when: 'commit-sent' },
        { at: Math.round(p.workloadMs * 0.3) + 600, kind: 'restart', node: 'coordinator' },
      ],
    },
    {
      id: 'participant-crash',
      title: 'A participant crashes after voting YES',
      description:
        'p2 crashes right after voting YES and restarts 400 ms later: it replays its log, finds the transaction prepared, re-takes its locks and asks for the outcome.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'crash', node: 'p2', when: 'vote-sent' },
        { at: Math.round(p.workloadMs * 0.3) + 400, kind: 'restart', node: 'p2' },
      ],
    },
    {
      id: 'partition',
      title: 'The participants are cut off from the coordinator',
      description: 'A partition separates the client and coordinator from every participant for 500 ms, then heals.',
      faults: (p: Params) => [
        { at: Math.round(p.workloadMs * 0.3), kind: 'partition', groups: [['client', 'coordinator']] },
        { at: Math.round(p.workloadMs * 0.3) + 500, kind: 'heal' },
      ],
    },
  ],
  defaultPreset: 'coordinator-crash-after-prepare',
  alarmStates: ['in-doubt', 'aborting', 'aborted'],
  faultSpace: (p: Params) => ({
    windowMs: p.workloadMs,
    faultsMax: 3,
    // A latency spike may outlast any of the protocol's timeouts (a GC pause, a congested link):
    // a vote or an answer that comes after the wait for it gave up is what timeouts must survive.
    latencySpikeMsMax: 2 * Math.max(p.voteTimeoutMs, p.inquiryTimeoutMs),
  }),
  build(world) {
    const { params: p, strategy } = world;
    const ledger = new Ledger(world);
    const arrivals = drawArrivals(world.stream('workload'), p);
    // A loop, not Array.from over an array-like (V8's generic path: a third of what building a run cost here).
    const participants: string[] = [];
    for (let i = 0; i < p.participants; i++) participants.push(participantName(i + 1));
    // The client's transfers as a history of transactions (recorded only when read: the 2PC strategies' claim
    // strict-serializable-transfers, `run --history`). Built and proved in columns at the end of the run, so judging
    // the claim in every check run costs a few percent of the run, not the third it cost as operations.
    const transfers = TransferHistory.of(world.history, arrivals, participants, p.accounts, strategy !== 'saga', () => world.now);

    world.node(
      'client',
      {
        role: 'client',
        spare: { crash: 'the client stands for the users: the transfers they submit are the workload, and what the servers do with them is the question' },
      },
      client(arrivals, 'coordinator', ledger, p.clientRetryMs, transfers),
    );
    world.node(
      'coordinator',
      { role: 'coordinator', crashPoints: ['begin', 'prepare-sent', 'commit-sent', 'debit-done'] },
      strategy === 'saga'
        ? sagaOrchestrator({ client: 'client', participants, stepRetryMs: p.decisionRetryMs })
        : coordinator({
            durableLog: strategy !== 'in-memory',
            client: 'client',
            participants,
            logForceMs: p.logForceMs,
            voteTimeoutMs: p.voteTimeoutMs,
            decisionRetryMs: p.decisionRetryMs,
          }),
    );
    for (const name of participants) {
      world.node(
        name,
        { role: 'participant', crashPoints: ['vote-sent'] },
        participant({
          strategy,
          coordinator: 'coordinator',
          ledger,
          accounts: p.accounts,
          closedAccounts: p.closedAccounts,
          initialBalance: p.initialBalance,
          logForceMs: p.logForceMs,
          inquiryTimeoutMs: p.inquiryTimeoutMs,
          unilateralTimeoutMs: p.unilateralTimeoutMs,
        }),
      );
    }

    world.chart({ id: 'in-doubt', title: 'In doubt (participant × transaction)', unit: 'waits', everyMs: 10, series: { 'in-doubt': () => ledger.inDoubtNow } });
    world.chart({
      id: 'locks',
      title: 'Row locks held',
      unit: 'locks',
      everyMs: 10,
      series: Object.fromEntries(
        participants.map((name, i) => [lockSeries(i + 1), () => (world.status(name) === 'down' ? 0 : (ledger.locksHeld.get(name) ?? 0))]),
      ),
      limit: { value: p.accounts, label: 'accounts per participant' },
    });
    world.chart({
      id: 'outcomes',
      title: 'Transfers decided (cumulative)',
      unit: 'transfers',
      everyMs: 10,
      series: { committed: () => ledger.committed, aborted: () => ledger.aborted },
    });

    const inDoubt = () =>
      ledger.stillInDoubt().map((w) => ({ t: w.sinceMs, node: w.participant, key: w.tx, what: `${w.participant} voted YES on ${w.tx} and is still in doubt` }));
    const causes = () => [
      ...ledger
        .brokenTransactions()
        .slice(0, 3)
        .map((b) => ({ t: b.t, key: b.tx, what: `${b.tx} applied on some participants only` })),
      ...inDoubt().slice(0, 3),
    ];
    world.atEnd(() => {
      // Read each participant's disk as recovery would, after the settle time.
      const stores = participants.map((name) => new TransactionalStore(world.disk(name)));
      // The in-memory coordinator's decisions died with it (or never reached a disk): the order the client heard them is the proposal.
      transfers?.end(stores, strategy === 'in-memory' ? null : commitsInDecisionOrder(world.disk('coordinator')));
      const expected = p.participants * p.accounts * p.initialBalance;
      let total = 0;
      for (const s of stores) total += s.rowSum();
      if (total !== expected) {
        const diff = total - expected;
        world.violate(
          'money-conserved',
          `the accounts hold ${total.toLocaleString('en-US')} in all, not ${expected.toLocaleString('en-US')}: ${Math.abs(diff).toLocaleString('en-US')} ${diff > 0 ? 'appeared from nowhere' : 'vanished'}`,
          // Judged at the end; caused by the transfers applied on one side only, and those still in doubt.
          { witnesses: causes() },
        );
      }
      const stuck: string[] = [];
      for (let i = 0; i < participants.length; i++) for (const tx of stores[i]!.inDoubt()) stuck.push(`${participants[i]!} in doubt on ${tx}`);
      for (const name of participants) {
        const held = ledger.locksHeld.get(name) ?? 0;
        if (held > 0) stuck.push(`${name} still holds ${held} row lock${held === 1 ? '' : 's'}`);
      }
      stuck.push(...unfinishedSagas(world.disk('coordinator')).map((s) => `saga ${s} unfinished`));
      if (stuck.length > 0)
        world.violate('in-doubt-resolved', `${world.endMs - world.healAtMs} ms after every fault healed: ${stuck.join('; ')}`, {
          witnesses: inDoubt().slice(0, 5),
        });
      if (ledger.committed > 0) world.reach('transfer-committed');
      if (ledger.aborted > 0) world.reach('transfer-aborted');
    });

    return {
      metrics() {
        // The waits that ended, and those still on (counted up to now).
        let inDoubtMaxMs = 0;
        let inDoubtTotalMs = 0;
        for (const ms of ledger.inDoubtMs) {
          inDoubtMaxMs = Math.max(inDoubtMaxMs, ms);
          inDoubtTotalMs += ms;
        }
        for (const w of ledger.stillInDoubt()) {
          const ms = world.now - w.sinceMs;
          inDoubtMaxMs = Math.max(inDoubtMaxMs, ms);
          inDoubtTotalMs += ms;
        }
        const decided = ledger.committed + ledger.aborted;
        return {
          commitLatencyP50Ms: percentile(ledger.commitLatencyMs, 50),
          commitLatencyP99Ms: percentile(ledger.commitLatencyMs, 99),
          inDoubtMaxMs,
          inDoubtTotalMs,
          lockHoldP99Ms: percentile(ledger.lockHoldMs, 99),
          halfAppliedMaxMs: ledger.halfAppliedMs.reduce((m, x) => Math.max(m, x), 0),
          throughputPerSec: ledger.committed / (p.workloadMs / 1000),
          abortRate: decided === 0 ? 0 : ledger.aborted / decided,
          committed: ledger.committed,
          aborted: ledger.aborted,
          unresolved: arrivals.length - decided,
          messagesPerTransfer: world.messages.sent / arrivals.length,
        };
      },
    };
  },
});

/**
 * The transfers of one run, drawn up front so every strategy sees the same ones. Arrival
 * times are a Poisson process conditioned on its count: sorted uniform points in the window.
 * A share of them move money between two accounts of the same participant.
 */
function drawArrivals(rng: Stream, p: Params): Arrival[] {
  const times = uniformArrivals(rng, p.transfers, 0, p.workloadMs);
  return times.map((atMs, i) => {
    const from = rng.int(p.participants);
    const local = rng.next() < p.localShare;
    const to = local ? from : (from + 1 + rng.int(p.participants - 1)) % p.participants;
    const fromAccount = rng.int(p.accounts);
    // Two distinct accounts when both are on one participant.
    const toAccount = local ? (fromAccount + 1 + rng.int(p.accounts - 1)) % p.accounts : rng.int(p.accounts);
    return {
      tx: transferId(i + 1),
      atMs,
      transfer: {
        from: { participant: from, account: fromAccount },
        to: { participant: to, account: toAccount },
        amount: 1 + rng.int(p.maxAmount),
      },
    };
  });
}
