/**
 * Small Kafka-like clusters for the partitioned-log part's tests: brokers (and a controller),
 * a producer node that sends a planned list of records, and a consumer node that polls,
 * "processes" for a while and commits after processing (or auto-commits).
 */
import { Simulation, type Spawn } from '../../../../engine/index.ts';
import { broker } from '../../../../scenarios/parts/log/broker.ts';
import { type ClusterLayout, defineLayout, type TopicSpec } from '../../../../scenarios/parts/log/cluster-layout.ts';
import { CONSUMER_DEFAULTS, type ConsumedRecord, Consumer, type ConsumerConfig } from '../../../../scenarios/parts/log/consumer.ts';
import type { LogTimer } from '../../../../scenarios/parts/log/log-node.ts';
import type { LogMessage } from '../../../../scenarios/parts/log/log-protocol.ts';
import { Metadata } from '../../../../scenarios/parts/log/metadata.ts';
import { keyHashPartitioner } from '../../../../scenarios/parts/log/partitioner.ts';
import { PRODUCER_DEFAULTS, Producer, type ProducerConfig, type SendResult } from '../../../../scenarios/parts/log/producer.ts';

export interface Cluster {
  sim: Simulation;
  layout: ClusterLayout;
}

/** Nodes: `controller` (optional, also the coordinator), then b1..bn. */
export function cluster(options: { brokers: number; controller: boolean; topics: TopicSpec[]; minInsyncReplicas?: number; seed?: number }): Cluster {
  const sim = new Simulation({ seed: options.seed ?? 1, network: { latency: { kind: 'constant', ms: 1 }, fifo: true } });
  const brokers = Array.from({ length: options.brokers }, (_, i) => `b${i + 1}`);
  const layout = defineLayout({
    brokers,
    controller: options.controller ? 'controller' : null,
    coordinator: options.controller ? 'controller' : brokers[0]!,
    topics: options.topics,
    minInsyncReplicas: options.minInsyncReplicas ?? 1,
  });
  if (options.controller) sim.addNode('controller', broker(layout));
  for (const name of brokers) sim.addNode(name, broker(layout));
  return { sim, layout };
}

/** A test node's own timers, beside the log parts'. */
type AppTimer = { owner: 'app'; index: number };

export interface Send {
  atMs: number;
  topic: string;
  key: string;
  value: unknown;
}

/** A producer that sends `plan` and records every callback; an inject `lose-ack` loses its next acknowledgement. */
export function producerNode(
  layout: ClusterLayout,
  config: Partial<ProducerConfig>,
  plan: readonly Send[],
  results: SendResult[],
): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, { ...PRODUCER_DEFAULTS, clientId: 'p', partitioner: keyHashPartitioner(), ...config });
    plan.forEach((s, index) => {
      ctx.setTimer(s.atMs, { owner: 'app', index });
    });
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) producer.onTimer(tag);
          return;
        }
        const s = plan[tag.index]!;
        producer.send(s.topic, s.key, s.value, (r) => results.push(r));
      },
      onInject(fault) {
        if (fault.name === 'lose-ack') producer.loseNextAck();
      },
    };
  };
}

export interface ConsumerLog {
  consumed: (ConsumedRecord & { by: string })[];
  commits: { by: string; ok: boolean }[];
  states: { by: string; state: string; t: number }[];
}

/** A group member that processes each poll for `processMs`, then commits (unless auto-commit). */
export function consumerNode(
  layout: ClusterLayout,
  config: Partial<ConsumerConfig> & Pick<ConsumerConfig, 'group' | 'topics'>,
  processMs: number,
  log: ConsumerLog,
): Spawn<LogMessage, LogTimer | AppTimer> {
  return (ctx) => {
    const metadata = new Metadata(ctx, layout);
    let busy = false;
    let batch: ConsumedRecord[] = [];
    const loop = (): void => {
      if (busy) return;
      batch = consumer.poll();
      if (batch.length === 0) return;
      busy = true;
      ctx.setTimer(processMs, { owner: 'app', index: 0 });
    };
    const consumer = new Consumer(
      ctx,
      metadata,
      { ...CONSUMER_DEFAULTS, clientId: ctx.name, onState: (state) => log.states.push({ by: ctx.name, state, t: ctx.now }), ...config },
      loop,
    );
    consumer.start();
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) consumer.onMessage(from, m);
      },
      onTimer(tag) {
        if (tag.owner !== 'app') {
          if (!metadata.onTimer(tag)) consumer.onTimer(tag);
          return;
        }
        for (const r of batch) log.consumed.push({ ...r, by: ctx.name });
        const next = (): void => {
          busy = false;
          loop();
        };
        if (config.autoCommit) return next();
        consumer.commit(null, (ok) => {
          log.commits.push({ by: ctx.name, ok });
          next();
        });
      },
    };
  };
}

export function emptyLog(): ConsumerLog {
  return { consumed: [], commits: [], states: [] };
}
