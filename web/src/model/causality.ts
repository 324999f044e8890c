/**
 * Happens-before, as ShiViz draws it: a message's causal past is every message whose
 * delivery could have influenced its send (delivered to its sender before it sent, or to a
 * node whose own later sends reached the sender, and so on); its causal future is every
 * message sent after its delivery by its receiver, or by a node that heard from it since.
 * Computed from the trace's send and deliver events and each node's order of events alone.
 *
 * Each is one sweep: the past by delivery time downwards, keeping per node the latest moment
 * that is still in the past; the future by send time upwards, keeping per node the earliest
 * moment already in the future.
 */
import { END_DELIVERED, type TraceStore } from './trace-store.ts';

export const CAUSAL_NONE = 0;
export const CAUSAL_PAST = 1;
export const CAUSAL_FUTURE = 2;
export const CAUSAL_SELF = 3;

/** One value per message record: none, past, future or the message itself. */
export function causalMask(store: TraceStore, message: number): Uint8Array {
  const n = store.messageCount;
  const mask = new Uint8Array(n);
  mask[message] = CAUSAL_SELF;
  const nodes = store.nodes.length;
  // The past: nodes' frontiers move back from the send.
  const past = new Float64Array(nodes).fill(Number.NEGATIVE_INFINITY);
  const from = store.messageFrom(message);
  if (from >= 0) past[from] = store.messageSend(message);
  const delivered: number[] = [];
  for (let m = 0; m < n; m++) if (m !== message && store.messageEndKind(m) === END_DELIVERED) delivered.push(m);
  delivered.sort((a, b) => store.messageEnd(b) - store.messageEnd(a));
  for (const m of delivered) {
    const to = store.messageTo(m);
    if (to < 0 || store.messageEnd(m) > past[to]!) continue;
    mask[m] = CAUSAL_PAST;
    const sender = store.messageFrom(m);
    if (sender >= 0 && store.messageSend(m) > past[sender]!) past[sender] = store.messageSend(m);
  }
  // The future: from the delivery on, at the receiver and at whoever hears from it.
  if (store.messageEndKind(message) !== END_DELIVERED) return mask;
  const future = new Float64Array(nodes).fill(Number.POSITIVE_INFINITY);
  const to = store.messageTo(message);
  if (to >= 0) future[to] = store.messageEnd(message);
  const first = store.messagesSentFrom(store.messageEnd(message));
  for (let m = first; m < n; m++) {
    if (m === message) continue;
    const sender = store.messageFrom(m);
    if (sender < 0 || store.messageSend(m) < future[sender]!) continue;
    mask[m] = CAUSAL_FUTURE;
    const receiver = store.messageTo(m);
    if (receiver >= 0 && store.messageEndKind(m) === END_DELIVERED && store.messageEnd(m) < future[receiver]!) future[receiver] = store.messageEnd(m);
  }
  return mask;
}

/** One value per message record: 1 for the messages that carry `key`. */
export function keyMask(store: TraceStore, key: string): Uint8Array {
  const mask = new Uint8Array(store.messageCount);
  for (const m of store.keyIndex.get(key) ?? []) mask[m] = CAUSAL_PAST;
  return mask;
}
