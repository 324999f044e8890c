/** Messages between users, the global load balancer and the regional databases. */
import type { GlbMessage } from '../parts/replication/global-load-balancer.ts';
import type { LwwRegister } from '../parts/replication/lww-register.ts';
import type { OrSetOp } from '../parts/replication/or-set.ts';
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';

/** A user adds `item` to the shared list `key`, or removes it again (items are unique: `<region>-<n>`). */
export interface ListChange {
  key: string;
  item: string;
  remove: boolean;
}

/** What an active-passive log carries: the change itself. */
export type PassiveOp = ListChange;

/** What an active-active log carries: the whole list as a last-writer-wins register, or one merge-type operation. */
export type ActiveOp = { kind: 'lww'; key: string; register: LwwRegister<string[]> } | { kind: 'crdt'; key: string; op: OrSetOp };

export type MultiRegionMessage =
  | GlbMessage
  | ReplicationMessage<PassiveOp>
  | ReplicationMessage<ActiveOp>
  | ({ type: 'change'; rid: number } & ListChange)
  | { type: 'changed'; rid: number; region: string }
  | { type: 'not-primary'; rid: number }
  /** From the balancer: become the primary, writing in `epoch`. */
  | { type: 'promote'; epoch: number }
  /** From the balancer: follow `primary`, which writes in `epoch`. */
  | { type: 'follow'; epoch: number; primary: number };
