/**
 * A lease lock with fencing tokens — your own scenario, written against faultline's public
 * API (this file is what `faultline new` scaffolds). Workers take turns writing to a storage
 * service; a lock service grants each a lease with a token that grows with every grant. A
 * worker writes only while its lease is valid — by its own clock — yet a write can still land
 * late: delayed on the network, or sent by a worker whose clock runs slow. Fencing makes the
 * storage refuse a token older than one it already accepted.
 *
 * Try: `faultline check <this file> --all`, then open the counterexample link it prints.
 */
import type { NodeContext } from 'faultline';
import { defineScenario, z } from 'faultline/scenarios';

type Msg =
  | { type: 'acquire' }
  | { type: 'granted'; token: number; leaseMs: number }
  | { type: 'busy' }
  | { type: 'write'; token: number; value: string }
  | { type: 'written'; ok: boolean };
type WorkerTimer = { kind: 'try' } | { kind: 'work-done' } | { kind: 'timeout'; attempt: number };

const params = z.object({
  workers: z.number().int().min(2).max(8).default(3).describe('workers competing for the lock'),
  leaseMs: z.number().min(10).max(10_000).default(100).describe('how long a lease lasts, in ms'),
  workMs: z.number().min(1).max(10_000).default(40).describe('how long a worker works before it writes, in ms'),
  workloadMs: z.number().min(100).max(60_000).default(2000).describe('workers compete during this window, in ms'),
});

export const leaseLock = defineScenario({
  id: 'lease-lock',
  title: 'A lease lock with fencing tokens',
  family: 'coordination',
  question: 'Does a lease keep two workers from writing out of turn, and what does a fencing token add?',
  summary: 'Workers take a lease, work, then write to a storage service. Late writes from expired leases reach storage; only fencing keeps them out.',
  params,
  timing: (p) => ({ workloadMs: p.workloadMs, settleMs: 500 }),
  strategies: [
    {
      id: 'fencing',
      title: 'Fencing tokens',
      explanation: 'Storage refuses a write whose token is older than the newest it accepted.',
      expectedViolations: [],
    },
    {
      id: 'no-fencing',
      title: 'Lease only',
      explanation: 'Storage trusts every worker that says it holds the lease: a write delayed past its lease lands after a newer holder wrote.',
      expectedViolations: ['writes-in-lease-order'],
    },
  ],
  defaultStrategy: 'fencing',
  invariants: [
    { name: 'writes-in-lease-order', kind: 'safety', description: 'Storage never accepts a write from an older lease after one from a newer lease.' },
  ],
  goals: [{ name: 'write-accepted', description: 'Some worker wrote under its lease.' }],
  metrics: [{ name: 'writes', unit: 'writes', description: 'writes storage accepted', better: 'higher' }],
  presets: [
    {
      id: 'slow-network',
      title: 'A write held up on the network',
      description: "From a quarter of the way in, worker-1's writes take 250 ms to reach storage: each lands long after its lease ran out.",
      faults: (p) => [{ at: p.workloadMs / 4, kind: 'degrade', from: 'worker-1', to: 'storage', latency: { kind: 'constant', ms: 250 } }],
    },
  ],
  defaultPreset: 'slow-network',
  faultSpace: (p) => ({ windowMs: p.workloadMs, faultsMax: 3 }),
  eventsMax: () => 200_000,

  build(world) {
    const { params: p, strategy } = world;
    let accepted = 0;
    let newestAccepted = 0;

    // The lock service: one lease at a time, each with a bigger token; the counter is forced
    // to disk before a grant, so a restarted lock never hands out a token twice.
    world.node('lock', { role: 'lock service' }, (ctx: NodeContext<Msg>) => {
      let holderUntil = Number.NEGATIVE_INFINITY;
      return {
        onMessage(from, m) {
          if (m.type !== 'acquire') return;
          if (ctx.now < holderUntil) return ctx.send(from, { type: 'busy' });
          const token = (ctx.disk.get<number>('token') ?? 0) + 1;
          ctx.disk.set('token', token);
          ctx.disk.force();
          holderUntil = ctx.now + p.leaseMs;
          ctx.send(from, { type: 'granted', token, leaseMs: p.leaseMs });
        },
      };
    });

    // Storage: with fencing it remembers (on disk) the newest token it accepted.
    world.node('storage', { role: 'storage' }, (ctx: NodeContext<Msg>) => ({
      onMessage(from, m) {
        if (m.type !== 'write') return;
        const newest = ctx.disk.get<number>('newest-token') ?? 0;
        if (strategy === 'fencing' && m.token < newest) {
          ctx.note(() => `storage refuses ${m.value}: token ${m.token} is older than ${newest}, the newest it accepted`, 'key');
          return ctx.send(from, { type: 'written', ok: false });
        }
        ctx.disk.set('newest-token', Math.max(newest, m.token));
        ctx.disk.force();
        // The auditor sees what storage accepted, in true time.
        if (m.token < newestAccepted) {
          ctx.note(() => `storage accepts ${m.value} though its lease has passed: a write with token ${newestAccepted} already landed`, 'warn');
          world.violate('writes-in-lease-order', `storage accepted ${m.value} with token ${m.token} after a write with token ${newestAccepted}`, {
            node: 'storage',
            witnesses: [{ t: world.now, node: ctx.nameOf(from), key: `token ${m.token}`, what: 'a write from an expired lease' }],
          });
        }
        newestAccepted = Math.max(newestAccepted, m.token);
        accepted++;
        world.reach('write-accepted');
        ctx.send(from, { type: 'written', ok: true });
      },
    }));

    // Workers: acquire, work, and write only if the lease is still valid by their own clock.
    // One attempt at a time; a reply that is late, lost or duplicated never starts a second.
    for (let i = 1; i <= p.workers; i++) {
      world.node(
        `worker-${i}`,
        { role: 'worker', spare: { crash: 'a crashed worker only stops writing; the question is what a late one does' } },
        (ctx: NodeContext<Msg, WorkerTimer>) => {
          let state: 'idle' | 'acquiring' | 'working' | 'writing' = 'idle';
          let lease = { token: 0, until: 0 };
          let attempt = 0;
          const next = (): void => {
            state = 'idle';
            ctx.setTimer(ctx.rng.uniform(10, 30), { kind: 'try' });
          };
          const ask = (to: string, m: Msg, now: typeof state): void => {
            state = now;
            ctx.send(to, m);
            ctx.setTimer(4 * p.leaseMs, { kind: 'timeout', attempt: ++attempt });
          };
          next();
          return {
            onTimer(t) {
              if (t.kind === 'try' && state === 'idle' && ctx.now < p.workloadMs) ask('lock', { type: 'acquire' }, 'acquiring');
              else if (t.kind === 'timeout' && t.attempt === attempt && state !== 'idle') next();
              else if (t.kind === 'work-done' && state === 'working') {
                if (ctx.now < lease.until) ask('storage', { type: 'write', token: lease.token, value: `${ctx.name}#${lease.token}` }, 'writing');
                else next();
              }
            },
            onMessage(_from, m) {
              if (m.type === 'granted' && state === 'acquiring') {
                state = 'working';
                lease = { token: m.token, until: ctx.now + m.leaseMs };
                ctx.setTimer(p.workMs, { kind: 'work-done' });
              } else if ((m.type === 'busy' && state === 'acquiring') || (m.type === 'written' && state === 'writing')) next();
            },
          };
        },
      );
    }

    world.chart({ id: 'writes', title: 'Writes accepted', unit: 'writes', everyMs: 50, series: { accepted: () => accepted } });
    return { metrics: () => ({ writes: accepted }) };
  },
});
