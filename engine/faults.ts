/**
 * Faults are data. A fault plan is a JSON list of timed faults; the same value is generated
 * and shrunk by fast-check, written by hand in a file, drawn in the UI's editor, encoded in a
 * URL and printed in a replay command. The kernel is the only thing that applies it.
 *
 * A crash may name a crash point (`when`): the node then crashes at the first point of that
 * name its code reaches after `at` (e.g. right after the coordinator sent its decision to
 * the first participant), so a plan can hit a protocol step exactly, still as plain data.
 *
 * A crash loses what the node had not forced to its disk; `torn` keeps the first few of those
 * writes (the power failed while the disk was writing back). Nodes read their own clocks:
 * `skew` makes one jump, `drift` makes it run fast or slow, `resync` puts it right.
 *
 * Verbs come in pairs: crash/restart, pause/resume, slow (factor 1 restores), partition or
 * bridge/heal, degrade/restore, skew or drift/resync. `inject` carries a fault a scenario
 * defines itself (a traffic burst, a poison message, a lost dedup store), delivered to the
 * scenario's handler.
 */
import { z } from 'zod';
import { InputError } from './errors.ts';
import { LatencySchema } from './latency.ts';

const at = z.number().min(0).finite().describe('simulated time in ms when the fault happens');
const node = z.string().min(1).max(64).describe('a node name');
const group = z.array(node).min(1).max(256);
const rate = z.number().min(0).max(1);

export const FaultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      at,
      kind: z.literal('crash'),
      node,
      when: z
        .string()
        .regex(/^[a-z0-9:-]{1,64}$/)
        .optional()
        .describe('a crash point: crash at the first point of this name the node reaches at or after `at`'),
      torn: z
        .number()
        .int()
        .min(0)
        .max(1_000_000)
        .optional()
        .describe('of the writes not yet forced to disk, this many (the first ones) survive the crash; the rest are lost (default 0)'),
    })
    .strict(),
  z.object({ at, kind: z.literal('restart'), node }).strict(),
  z.object({ at, kind: z.literal('pause'), node }).strict(),
  z.object({ at, kind: z.literal('resume'), node }).strict(),
  z.object({ at, kind: z.literal('slow'), node, factor: z.number().min(1).max(1000) }).strict(),
  z.object({ at, kind: z.literal('partition'), groups: z.array(group).min(1).max(64), oneWay: z.boolean().optional() }).strict(),
  z.object({ at, kind: z.literal('bridge'), groups: z.tuple([group, group]), via: node }).strict(),
  z.object({ at, kind: z.literal('heal') }).strict(),
  z
    .object({
      at,
      kind: z.literal('degrade'),
      from: node.optional(),
      to: node.optional(),
      latency: LatencySchema.optional(),
      lossRate: rate.optional(),
      duplicateRate: rate.optional(),
      reorderRate: rate.optional(),
    })
    .strict(),
  z.object({ at, kind: z.literal('restore') }).strict(),
  z
    .object({ at, kind: z.literal('skew'), node, byMs: z.number().finite().min(-1e9).max(1e9).describe("how far the node's clock jumps (negative: back)") })
    .strict(),
  z
    .object({ at, kind: z.literal('drift'), node, rate: z.number().min(0.1).max(10).describe("the node's clock runs this many times as fast as real time") })
    .strict(),
  z.object({ at, kind: z.literal('resync'), node }).strict(),
  z
    .object({
      at,
      kind: z.literal('inject'),
      name: z.string().min(1).max(64),
      node: node.optional(),
      args: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
    })
    .strict(),
]);

/** The most faults one plan may hold. */
export const FAULTS_PER_PLAN_MAX = 10_000;

export const FaultPlanSchema = z.array(FaultSchema).max(FAULTS_PER_PLAN_MAX);

/** One timed fault. */
export type Fault = z.input<typeof FaultSchema>;
/** A fault plan: the faults of one run, in any order (they are applied in time order, ties in list order). */
export type FaultPlan = Fault[];
export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = FaultSchema.options.map((o) => o.shape.kind.value);

/** Formats a zod error as `path: message` lines a user can act on. */
export function formatIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? `${root}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : root;
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Parses a fault plan from a JSON value or JSON text. Throws an InputError that names the
 * offending fault and field, and what is allowed.
 */
export function parseFaultPlan(input: unknown): FaultPlan {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new InputError(
        `fault plan is not valid JSON (${(e as Error).message}); expected a JSON array of faults such as [{"at":100,"kind":"crash","node":"p1"}]`,
      );
    }
  }
  const parsed = FaultPlanSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(`invalid fault plan: ${formatIssues(parsed.error, 'faults')}. Fault kinds allowed: ${FAULT_KINDS.join(', ')}`);
  }
  return parsed.data;
}

/** Every node a fault names. */
export function nodesOfFault(fault: Fault): string[] {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'slow':
    case 'skew':
    case 'drift':
    case 'resync':
      return [fault.node];
    case 'partition':
      return fault.groups.flat();
    case 'bridge':
      return [...fault.groups[0], ...fault.groups[1], fault.via];
    case 'degrade':
      return [fault.from, fault.to].filter((n): n is string => n !== undefined);
    case 'inject':
      return fault.node === undefined ? [] : [fault.node];
    default:
      return [];
  }
}

/** A fault in plain words, for narration, tables and the UI. */
export function describeFault(fault: Fault): string {
  const t = `at ${fault.at.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;
  switch (fault.kind) {
    case 'crash': {
      const torn = fault.torn ? ` (the first ${fault.torn} unforced write${fault.torn === 1 ? '' : 's'} survive)` : '';
      return fault.when === undefined
        ? `${fault.node} crashes ${t}${torn}`
        : `${fault.node} crashes at its first '${fault.when}' point ${t.replace('at ', 'after ')}${torn}`;
    }
    case 'restart':
      return `${fault.node} restarts ${t}`;
    case 'pause':
      return `${fault.node} stalls (stop-the-world pause) ${t}`;
    case 'resume':
      return `${fault.node} resumes ${t}`;
    case 'slow':
      return fault.factor === 1 ? `${fault.node} runs at normal speed again ${t}` : `${fault.node} slows down ${fault.factor}x ${t}`;
    case 'partition':
      return `network ${fault.oneWay ? 'one-way ' : ''}partition ${fault.groups.map((g) => `{${g.join(', ')}}`).join(fault.oneWay ? ' -x-> ' : ' | ')}${fault.groups.length === 1 ? ' | {everyone else}' : ''} ${t}`;
    case 'bridge':
      return `network splits {${fault.groups[0].join(', ')}} | {${fault.groups[1].join(', ')}} bridged only by ${fault.via} ${t}`;
    case 'heal':
      return `network partitions heal ${t}`;
    case 'degrade': {
      const parts: string[] = [];
      if (fault.lossRate !== undefined) parts.push(`${(fault.lossRate * 100).toFixed(0)}% loss`);
      if (fault.duplicateRate !== undefined) parts.push(`${(fault.duplicateRate * 100).toFixed(0)}% duplication`);
      if (fault.reorderRate !== undefined) parts.push(`${(fault.reorderRate * 100).toFixed(0)}% reordering`);
      if (fault.latency !== undefined) parts.push(`latency ${fault.latency.kind}`);
      return `links ${fault.from ?? '*'} -> ${fault.to ?? '*'} degrade (${parts.join(', ') || 'no change'}) ${t}`;
    }
    case 'restore':
      return `links restore to normal ${t}`;
    case 'skew':
      return `${fault.node}'s clock jumps ${fault.byMs >= 0 ? 'ahead' : 'back'} ${Math.abs(fault.byMs).toLocaleString('en-US', { maximumFractionDigits: 1 })} ms ${t}`;
    case 'drift':
      return `${fault.node}'s clock runs at ${fault.rate}x real time ${t}`;
    case 'resync':
      return `${fault.node}'s clock is set right again ${t}`;
    case 'inject':
      return `${fault.name}${fault.node ? ` on ${fault.node}` : ''}${fault.args ? ` ${JSON.stringify(fault.args)}` : ''} ${t}`;
  }
}
