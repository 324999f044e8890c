/**
 * LogContext: the context of a node that runs parts of the partitioned log (a broker, a
 * producer, a consumer, an admin client). Each part sets timers tagged with its own `owner`,
 * so one node can host several parts and hand each timer to the part that set it; a node
 * with timers of its own tags them `owner: 'app'` and hands the rest to its parts.
 */
import type { NodeContext } from '../../../engine/index.ts';
import type { BrokerTimer } from './broker.ts';
import type { ConsumerTimer } from './consumer.ts';
import type { ControllerTimer } from './controller.ts';
import type { GroupTimer } from './group-coordinator.ts';
import type { LogMessage } from './log-protocol.ts';
import type { MetadataTimer } from './metadata.ts';
import type { ProducerTimer } from './producer.ts';
import type { ReplicaTimer } from './replica-manager.ts';
import type { RpcTimer } from './rpc.ts';
import type { TxnTimer } from './transaction-coordinator.ts';

/** Every timer a part of the log sets. */
export type LogTimer = BrokerTimer | ConsumerTimer | ControllerTimer | GroupTimer | MetadataTimer | ProducerTimer | ReplicaTimer | RpcTimer | TxnTimer;

/** The context the parts of the log run in. */
export type LogContext = NodeContext<LogMessage, LogTimer>;
