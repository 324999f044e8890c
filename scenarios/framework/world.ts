/**
 * The World a scenario's build function receives: the run's choices and the means to declare
 * the system (nodes, charts, end checks) on a simulation. One implementation serves a real
 * run (the verdict records violations and goals) and a dry build (nothing is run; the
 * declarations are read to know the topology, the fault space and the charts).
 */
import { type AnySpawn, type InjectFault, InputError, type LinkPatch, type NodeId, type NoteLevel, type Simulation } from '../../engine/index.ts';
import { ClientHistory } from './client-history.ts';
import type { ChartDeclaration, DeclaredNode, NodeSpec, ViolationDetail, Witness, World } from './scenario.ts';
import { NODE_FAULT_CLASSES } from './scenario.ts';

/** Where a world reports what the run judged. */
export interface Verdict {
  violate(invariant: string, message: string, node: string | null, witnesses: readonly Witness[]): void;
  reach(goal: string): void;
}

/** A verdict that keeps nothing: for dry builds. */
export const NO_VERDICT: Verdict = { violate() {}, reach() {} };

export interface WorldTimes {
  workloadMs: number;
  healAtMs: number;
  endMs: number;
}

/** A world plus what it collected: the declared nodes, charts and end checks. */
export class ScenarioWorld<P> implements World<P> {
  /** The declared nodes' specs, names and ids; `nodes` makes the records when first read (a check's runs never read them). */
  private readonly specs: NodeSpec[] = [];
  private readonly names: string[] = [];
  private readonly ids: NodeId[] = [];
  private readonly declared: DeclaredNode[] = [];
  readonly charts: ChartDeclaration[] = [];
  readonly endChecks: (() => void)[] = [];
  readonly workloadMs: number;
  readonly healAtMs: number;
  readonly endMs: number;

  readonly history: ClientHistory;

  constructor(
    readonly sim: Simulation,
    readonly scenarioId: string,
    readonly params: P,
    readonly strategy: string,
    times: WorldTimes,
    private readonly declaredInvariants: ReadonlySet<string>,
    private readonly verdict: Verdict,
    recordHistory = false,
    readonly metricsRead = true,
  ) {
    this.history = new ClientHistory(() => sim.now, recordHistory);
    this.workloadMs = times.workloadMs;
    this.healAtMs = times.healAtMs;
    this.endMs = times.endMs;
  }

  get now(): number {
    return this.sim.now;
  }

  get messages() {
    return this.sim.messageStats;
  }

  get metrics() {
    return this.sim.metrics;
  }

  node(name: string, spec: NodeSpec, behaviour: AnySpawn): NodeId {
    if (typeof spec?.role !== 'string' || spec.role.length === 0) throw new InputError(`${this.scenarioId}: node '${name}' needs a role`);
    if (spec.spare !== undefined) this.checkSpare(name, spec.spare);
    const id = this.sim.addNode(name, behaviour);
    this.specs.push(spec);
    this.names.push(name);
    this.ids.push(id);
    return id;
  }

  /** The nodes declared so far. */
  get nodes(): readonly DeclaredNode[] {
    for (let i = this.declared.length; i < this.specs.length; i++)
      this.declared.push(Object.assign({}, this.specs[i]!, { name: this.names[i]!, id: this.ids[i]! }));
    return this.declared;
  }

  /** How many nodes are declared. */
  get nodeCount(): number {
    return this.specs.length;
  }

  private checkSpare(name: string, spare: NonNullable<NodeSpec['spare']>): void {
    for (const key of Object.keys(spare)) {
      if (!(NODE_FAULT_CLASSES as readonly string[]).includes(key)) {
        throw new InputError(`${this.scenarioId}: node '${name}' spares '${key}', which is not a fault class; classes are ${NODE_FAULT_CLASSES.join(', ')}`);
      }
      const reason: unknown = (spare as Record<string, unknown>)[key];
      if (typeof reason !== 'string' || reason.trim().length < 10) {
        throw new InputError(`${this.scenarioId}: node '${name}' spares ${key} without a reason (say why the scenario's question forbids it)`);
      }
    }
  }

  lookup(name: string): NodeId {
    return this.sim.nodeId(name);
  }

  nameOf(node: NodeId): string {
    return this.sim.nodeName(node);
  }

  disk(node: string | NodeId) {
    return this.sim.disk(typeof node === 'number' ? node : this.sim.nodeId(node));
  }

  status(node: string | NodeId) {
    return this.sim.status(typeof node === 'number' ? node : this.sim.nodeId(node));
  }

  stream(name: string) {
    return this.sim.random.stream(`scenario/${name}`);
  }

  violate(invariant: string, message: string, detail?: ViolationDetail | NodeId): void {
    if (!this.declaredInvariants.has(invariant)) throw new Error(`${this.scenarioId} reports a violation of '${invariant}', which it does not declare`);
    const d: ViolationDetail = typeof detail === 'number' ? { node: detail } : (detail ?? {});
    const nodeName = d.node === undefined ? null : typeof d.node === 'number' ? this.sim.nodeName(d.node) : d.node;
    this.verdict.violate(invariant, message, nodeName, d.witnesses ?? []);
  }

  reach(goal: string): void {
    this.verdict.reach(goal);
  }

  note(text: string | (() => string), level: NoteLevel = 'info'): void {
    this.sim.note(text, level);
  }

  atEnd(check: () => void): void {
    this.endChecks.push(check);
  }

  chart(chart: ChartDeclaration): void {
    if (!(chart.everyMs > 0)) throw new InputError(`${this.scenarioId}: chart '${chart.id}' samples every ${chart.everyMs} ms; it must be a positive period`);
    if (this.charts.some((c) => c.id === chart.id)) throw new InputError(`${this.scenarioId}: chart '${chart.id}' is declared twice`);
    this.charts.push(chart);
    if (!this.sim.tracing) return;
    // Sampling only reads the model, so a traced run makes exactly the decisions an untraced one does.
    const sim = this.sim;
    const entries = Object.entries(chart.series);
    const previous = new Map<string, number>();
    sim.every(
      chart.everyMs,
      () => {
        for (const [name, reader] of entries) {
          if (typeof reader === 'function') {
            const value = reader();
            if (value !== null && Number.isFinite(value)) sim.metrics.sample(name, value);
            continue;
          }
          const count = reader.perSecond();
          const before = previous.get(name);
          previous.set(name, count);
          if (before !== undefined) sim.metrics.sample(name, ((count - before) * 1000) / chart.everyMs);
        }
        return undefined;
      },
      0,
      this.endMs,
    );
  }

  at(timeMs: number, fn: () => void): void {
    this.sim.at(timeMs, fn);
  }

  onInject(name: string, handler: (fault: InjectFault) => void): void {
    this.sim.onInject(name, handler);
  }

  setLink(from: string | NodeId, to: string | NodeId, link: LinkPatch): void {
    const id = (n: string | NodeId): NodeId => (typeof n === 'number' ? n : this.sim.nodeId(n));
    this.sim.setLink(id(from), id(to), link);
  }
}
