/** Messages between users, the global load balancer and the regional databases. */
import type { GlbMessage } from '../parts/replication/global-load-balancer.ts';
import type { LwwRegister } from '../parts/replication/lww-register.ts';
import type { OrSetOp } from '../parts/replication/or-set.ts';
import type { ReplicationMessage } from '../parts/replication/replication-messages.ts';

/** A user adds `item` to the shared list `key`. */
export interface AddItem {
  key: string;
  item: string;
}

/** What an active-passive log carries: the add itself. */
export type PassiveOp = AddItem;

/** What an active-active log carries: the whole list as a last-writer-wins register, or one merge-type operation. */
export type ActiveOp = { kind: 'lww'; key: string; register: LwwRegister<string[]>; item: string } | { kind: 'crdt'; key: string; op: OrSetOp };

export type MultiRegionMessage =
  | GlbMessage
  | ReplicationMessage<PassiveOp>
  | ReplicationMessage<ActiveOp>
  | { type: 'add'; rid: number; key: string; item: string }
  | { type: 'added'; rid: number; region: string }
  | { type: 'not-primary'; rid: number }
  /** From the balancer: become the primary, writing in `epoch`. */
  | { type: 'promote'; epoch: number }
  /** From the balancer: follow `primary`, which writes in `epoch`. */
  | { type: 'follow'; epoch: number; primary: number };
