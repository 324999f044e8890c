/**
 * The end-of-run judgements, made from the nodes' disks and the audit once the faults have
 * healed and the system has had its settle time: what the broker accepted and never got
 * applied (stuck, typically behind a poison message), what the producer committed and never
 * reached the projection (lost), and where the projection disagrees with the source.
 * Each returns the violation's message and the events it is about (so the verdict can point
 * at their commits), or null when the invariant holds.
 */
import type { DurableQueue } from '../parts/messaging/durable-queue.ts';
import type { TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import { balanceKey, type PointsEvent, sourcePointsKey } from './messages.ts';

/** An event is settled once applied to the projection, or — if poison — parked in the dead-letter queue. */
export function settledBy(queue: DurableQueue, audit: PointsAudit): (id: string) => boolean {
  const parked = new Set(queue.parked.map((m) => m.id));
  return (id) => audit.isApplied(id) || (audit.isPoison(id) && parked.has(id));
}

/** A broken end-of-run invariant: what is wrong, and the events it concerns. */
export interface Finding {
  message: string;
  ids: string[];
}

/** Events the broker accepted and that are still neither applied nor parked. */
export function stuckInQueue(queue: DurableQueue, audit: PointsAudit): Finding | null {
  const settled = settledBy(queue, audit);
  // Each event once (a republished one is in the queue twice), in the order the broker took them.
  const seen = new Set<string>();
  const stuck: string[] = [];
  for (let tag = 0; tag < queue.enqueued; tag++) {
    const id = queue.at(tag)!.id;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!settled(id)) stuck.push(id);
  }
  if (stuck.length === 0) return null;
  const head = queue.oldest;
  const behind = head !== undefined && audit.isPoison(head.id) ? `: they wait behind poison message ${head.id}, failed ${head.failures} times` : '';
  return {
    message: `${count(stuck.length, 'event')} the broker accepted ${stuck.length === 1 ? 'is' : 'are'} still not applied (${list(stuck)})${behind}`,
    ids: stuck,
  };
}

/** Events the producer committed that never reached the projection (nor, if poison, the dead-letter queue). */
export function lostEvents(history: readonly PointsEvent[], queue: DurableQueue, audit: PointsAudit): Finding | null {
  const settled = settledBy(queue, audit);
  const lost = history.filter((e) => !settled(e.id)).map((e) => e.id);
  if (lost.length === 0) return null;
  const accepted = new Set(queue.all.map((m) => m.id));
  const neverPublished = lost.filter((id) => !accepted.has(id));
  return {
    message: `${count(lost.length, 'committed event')} never reached the projection (${list(lost)})${neverPublished.length > 0 ? `; ${list(neverPublished)} never even reached the broker` : ''}`,
    ids: lost,
  };
}

/** Users whose projected balance differs from the total of their events at the source. */
export function balanceDrift(history: readonly PointsEvent[], projection: TransactionalStore, users: number): Finding | null {
  const truth = new Array<number>(users).fill(0);
  const last = new Array<string | undefined>(users);
  for (const e of history) {
    truth[e.user]! += e.points;
    last[e.user] = e.id;
  }
  const out: string[] = [];
  const ids: string[] = [];
  for (let u = 0; u < users; u++) {
    const projected = projection.read(balanceKey(u)) ?? 0;
    if (projected === truth[u]) continue;
    out.push(`user ${u} has ${projected} points in the projection and ${truth[u]} at the source`);
    if (last[u] !== undefined) ids.push(last[u]!);
  }
  return out.length === 0 ? null : { message: `the projection disagrees with the source: ${out.join('; ')}`, ids };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function list(ids: readonly string[]): string {
  return ids.length <= 6 ? ids.join(', ') : `${ids.slice(0, 6).join(', ')} and ${ids.length - 6} more`;
}

/**
 * Users whose total at the source differs from the sum of their history there. The points
 * service writes both in one local transaction, so a difference means it was applied in part
 * (a torn write recovery did not repair).
 */
export function sourceDrift(history: readonly PointsEvent[], source: TransactionalStore, users: number): Finding | null {
  const sum = new Array<number>(users).fill(0);
  const last = new Array<string | undefined>(users);
  for (const e of history) {
    sum[e.user]! += e.points;
    last[e.user] = e.id;
  }
  const out: string[] = [];
  const ids: string[] = [];
  for (let u = 0; u < users; u++) {
    const total = source.read(sourcePointsKey(u)) ?? 0;
    if (total === sum[u]) continue;
    out.push(`user ${u} has ${total} points at the source but a history adding up to ${sum[u]}`);
    if (last[u] !== undefined) ids.push(last[u]!);
  }
  return out.length === 0 ? null : { message: `the points service's own records disagree: ${out.join('; ')}`, ids };
}
