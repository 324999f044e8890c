/**
 * DuplicateRequests: the guarantee Kafka gets from TCP. Clients and brokers talk over TCP
 * connections, which never hand the application the same request twice, so a network that
 * duplicates packets cannot make a broker append a batch twice or bump a producer epoch twice;
 * only an application's own retry can. The simulated network may duplicate messages, so each
 * broker drops a request it has already received from the same sender (request ids are unique
 * per node incarnation, whatever part of the node sent them; acks=0 requests carry none and
 * are never answered). Responses need no filter: a client forgets a request once answered
 * and ignores a second answer.
 */
import type { NodeId } from '../../../engine/index.ts';
import type { LogMessage } from './log-protocol.ts';

/** Every request type that carries an id (what the filter looks at; responses and notifications pass). */
const REQUESTS: ReadonlySet<string> = new Set([
  'produce',
  'fetch',
  'replica-fetch',
  'metadata',
  'list-offsets',
  'join',
  'heartbeat',
  'commit',
  'offset-fetch',
  'init-producer-id',
  'add-partitions',
  'add-offsets',
  'txn-offset-commit',
  'end-txn',
  'write-marker',
] satisfies LogMessage['type'][]);

/** How many recent request ids are remembered per sender (far more than can be in flight). */
const REMEMBERED = 256;

/**
 * One sender's recent request ids: a ring of the last REMEMBERED ids that came through, and the
 * largest id ever remembered. A sender numbers its requests in the order it sends them, so
 * nearly every request is newer than all it sent before and passes on one comparison; only a
 * copy or a request overtaken on the way is looked for in the ring. (A hash set here allocated
 * its table per sender every run and grew it; a Set churned by an add and a delete per
 * request reallocated itself every few hundred.)
 */
class RecentIds {
  /** The remembered ids, oldest at `next` once it holds REMEMBERED of them. */
  private readonly ring: number[] = [];
  private next = 0;
  private newest = Number.NEGATIVE_INFINITY;

  /** Remembers `id`, forgetting the oldest remembered past REMEMBERED; false when it was remembered already. */
  remember(id: number): boolean {
    if (id > this.newest) this.newest = id;
    else if (this.ring.includes(id)) return false;
    if (this.ring.length < REMEMBERED) this.ring.push(id);
    else {
      this.ring[this.next] = id;
      this.next = (this.next + 1) % REMEMBERED;
    }
    return true;
  }
}

export class DuplicateRequests {
  /** By sender (node ids are small integers). */
  private readonly seen: (RecentIds | undefined)[] = [];

  /** True the first time this request arrives from `from`; false for the network's copies. */
  firstDelivery(from: NodeId, m: LogMessage): boolean {
    // Every message a broker gets comes here: a property read, not an `in` test, on the many message shapes.
    const id = (m as { id?: number }).id;
    if (id === undefined || id < 0 || !REQUESTS.has(m.type)) return true;
    let s = this.seen[from];
    if (s === undefined) this.seen[from] = s = new RecentIds();
    return s.remember(id);
  }
}
