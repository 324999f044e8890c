/**
 * Small Kafka-like clusters for the partitioned-log part's tests: brokers (and a controller),
 * a producer node that sends a planned list of records, and a consumer node that polls,
 * "processes" for a while and commits after processing (or auto-commits).
 */
import { type NodeContext, Simulation, type Spawn } from '../../../../engine/index.ts';
import { broker } from '../../../../scenarios/parts/log/broker.ts';
import { type ClusterLayout, defineLayout, type TopicSpec } from '../../../../scenarios/parts/log/cluster-layout.ts';
import { CONSUMER_DEFAULTS, type ConsumedRecord, Consumer, type ConsumerConfig } from '../../../../scenarios/parts/log/consumer.ts';
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
  const first = options.controller ? 1 : 0;
  const brokers = Array.from({ length: options.brokers }, (_, i) => first + i);
  const layout = defineLayout({
    brokers,
    controller: options.controller ? 0 : null,
    coordinator: options.controller ? 0 : brokers[0]!,
    topics: options.topics,
    minInsyncReplicas: options.minInsyncReplicas ?? 1,
  });
  if (options.controller) sim.addNode('controller', broker(layout));
  brokers.forEach((_, i) => {
    sim.addNode(`b${i + 1}`, broker(layout));
  });
  return { sim, layout };
}

export interface Send {
  atMs: number;
  topic: string;
  key: string;
  value: unknown;
}

/** A producer that sends `plan` and records every callback; an inject `lose-ack` loses its next acknowledgement. */
export function producerNode(layout: ClusterLayout, config: Partial<ProducerConfig>, plan: readonly Send[], results: SendResult[]): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    const metadata = new Metadata(ctx, layout);
    const producer = new Producer(ctx, metadata, { ...PRODUCER_DEFAULTS, clientId: 'p', partitioner: keyHashPartitioner(), ...config });
    plan.forEach((s, i) => {
      ctx.setTimer(s.atMs, { app: i });
    });
    return {
      onMessage(from, m) {
        if (!metadata.onMessage(from, m)) producer.onMessage(from, m);
      },
      onTimer(tag) {
        if (metadata.onTimer(tag) || producer.onTimer(tag)) return;
        const s = plan[(tag as { app: number }).app]!;
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
): Spawn<LogMessage> {
  return (ctx: NodeContext<LogMessage>) => {
    const metadata = new Metadata(ctx, layout);
    let busy = false;
    let batch: ConsumedRecord[] = [];
    const loop = (): void => {
      if (busy) return;
      batch = consumer.poll();
      if (batch.length === 0) return;
      busy = true;
      ctx.setTimer(processMs, 'processed');
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
        if (metadata.onTimer(tag) || consumer.onTimer(tag)) return;
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
