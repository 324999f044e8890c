/**
 * DuplicateRequests: the guarantee Kafka gets from TCP. Clients and brokers talk over TCP
 * connections, which never hand the application the same request twice, so a network that
 * duplicates packets cannot make a broker append a batch twice or bump a producer epoch twice;
 * only an application's own retry can. The simulated network may duplicate messages, so each
 * broker drops a request it has already received from the same sender (request ids are unique
 * per node incarnation, whatever part of the node sent them). Responses need no filter: a
 * client forgets a request once answered and ignores a second answer.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { LogMessage } from './log-protocol.ts';

/** How many recent request ids are remembered per sender (far more than can be in flight). */
const REMEMBERED = 256;

export class DuplicateRequests {
  private readonly seen = new Map<NodeId, { ids: Set<number>; order: number[] }>();

  /** True the first time this request arrives from `from`; false for the network's copies. */
  firstDelivery(from: NodeId, m: LogMessage): boolean {
    if (!('id' in m) || m.type.endsWith('-response')) return true;
    let s = this.seen.get(from);
    if (s === undefined) this.seen.set(from, (s = { ids: new Set(), order: [] }));
    if (s.ids.has(m.id)) return false;
    s.ids.add(m.id);
    s.order.push(m.id);
    if (s.order.length > REMEMBERED) s.ids.delete(s.order.shift()!);
    return true;
  }
}
