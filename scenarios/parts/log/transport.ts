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
import { assert, type NodeId } from '../../../engine/index.ts';
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
/** A new sender's table: most senders of a run send a few dozen requests, and a table grows as it fills. */
const SLOTS_FIRST = 32;
const EMPTY = -1;

/**
 * A table of `slots` empty slots: a plain array of small integers made at its size, not a
 * typed array, whose every allocation is an off-heap buffer that costs several times more
 * than the few hundred slots in it (a broker makes one per sender every run, and grows it).
 */
function emptyTable(slots: number): number[] {
  return new Array<number>(slots).fill(EMPTY);
}

/**
 * One sender's recent request ids: an open-addressing set in an array (linear probing,
 * deletion by shifting back, so no tombstones pile up; at most half full), and a ring of the
 * same ids to forget the oldest. Every request a broker gets looks here; a Set churned by an
 * add and a delete per request reallocated itself every few hundred.
 */
class RecentIds {
  private table = emptyTable(SLOTS_FIRST);
  private count = 0;
  /** The remembered ids, oldest at `next` once it holds REMEMBERED of them. */
  private readonly ring: number[] = [];
  private next = 0;

  /** Remembers `id`, forgetting the oldest remembered past REMEMBERED; false when it was remembered already. */
  remember(id: number): boolean {
    if (this.slotOf(id) >= 0) return false;
    if (this.ring.length < REMEMBERED) this.ring.push(id);
    else {
      this.forget(this.ring[this.next]!);
      this.ring[this.next] = id;
      this.next = (this.next + 1) % REMEMBERED;
    }
    if (2 * (this.count + 1) > this.table.length) this.grow();
    this.insert(id);
    return true;
  }

  private insert(id: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = id & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = id;
    this.count++;
  }

  private grow(): void {
    const old = this.table;
    this.table = emptyTable(2 * old.length);
    this.count = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== EMPTY) this.insert(old[i]!);
  }

  /** The slot holding `id`, or -1. An id's first slot is its low bits: ids are consecutive numbers per node incarnation. */
  private slotOf(id: number): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let i = id & mask; table[i] !== EMPTY; i = (i + 1) & mask) if (table[i] === id) return i;
    return -1;
  }

  /** Removes `id`, moving back every later entry of its probe run that may fill the gap. */
  private forget(id: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let gap = this.slotOf(id);
    assert(gap >= 0, 'a remembered id is in the table');
    for (let j = (gap + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const home = table[j]! & mask;
      // Entry j may move to the gap unless its first slot lies cyclically in (gap, j].
      const stays = gap <= j ? gap < home && home <= j : gap < home || home <= j;
      if (stays) continue;
      table[gap] = table[j]!;
      gap = j;
    }
    table[gap] = EMPTY;
    this.count--;
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
