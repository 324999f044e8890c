/**
 * The end-of-run judgements, made from the nodes' disks and the audit once the faults have
 * healed and the system has had its settle time: what the broker accepted and never got
 * applied (stuck, typically behind a poison message), what the producer committed and never
 * reached the projection (lost), and where the projection disagrees with the source.
 * Each returns the violation's message, or null when the invariant holds.
 */
import type { DurableQueue } from '../parts/messaging/durable-queue.ts';
import type { TransactionalStore } from '../parts/storage/transactional-store.ts';
import type { PointsAudit } from './audit.ts';
import { balanceKey, type PointsEvent } from './messages.ts';

/** An event is settled once applied to the projection, or — if poison — parked in the dead-letter queue. */
export function settledBy(queue: DurableQueue, audit: PointsAudit): (id: string) => boolean {
  const parked = new Set(queue.parked.map((m) => m.id));
  return (id) => audit.isApplied(id) || (audit.isPoison(id) && parked.has(id));
}

/** Events the broker accepted and that are still neither applied nor parked. */
export function stuckInQueue(queue: DurableQueue, audit: PointsAudit): string | null {
  const settled = settledBy(queue, audit);
  const stuck = [...new Set(queue.all.map((m) => m.id))].filter((id) => !settled(id));
  if (stuck.length === 0) return null;
  const head = queue.oldest;
  const behind = head !== undefined && audit.isPoison(head.id) ? `: they wait behind poison message ${head.id}, delivered ${head.deliveries} times` : '';
  return `${count(stuck.length, 'event')} the broker accepted ${stuck.length === 1 ? 'is' : 'are'} still not applied (${list(stuck)})${behind}`;
}

/** Events the producer committed that never reached the projection (nor, if poison, the dead-letter queue). */
export function lostEvents(history: readonly PointsEvent[], queue: DurableQueue, audit: PointsAudit): string | null {
  const settled = settledBy(queue, audit);
  const lost = history.filter((e) => !settled(e.id)).map((e) => e.id);
  if (lost.length === 0) return null;
  const accepted = new Set(queue.all.map((m) => m.id));
  const neverPublished = lost.filter((id) => !accepted.has(id));
  return `${count(lost.length, 'committed event')} never reached the projection (${list(lost)})${neverPublished.length > 0 ? `; ${list(neverPublished)} never even reached the broker` : ''}`;
}

/** Users whose projected balance differs from the total of their events at the source. */
export function balanceDrift(history: readonly PointsEvent[], projection: TransactionalStore, users: number): string | null {
  const truth = new Array<number>(users).fill(0);
  for (const e of history) truth[e.user]! += e.points;
  const out: string[] = [];
  for (let u = 0; u < users; u++) {
    const projected = projection.read(balanceKey(u)) ?? 0;
    if (projected !== truth[u]) out.push(`user ${u} has ${projected} points in the projection and ${truth[u]} at the source`);
  }
  return out.length === 0 ? null : `the projection disagrees with the source: ${out.join('; ')}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function list(ids: readonly string[]): string {
  return ids.length <= 6 ? ids.join(', ') : `${ids.slice(0, 6).join(', ')} and ${ids.length - 6} more`;
}
