/**
 * Turns a failed search into a witness a person can check by hand: the longest prefix of the
 * history that could be linearized (and the state it leaves), the operation that could not
 * take effect before it completed, and the operations that were pending then — as data (for
 * JSON and the UI's history view) and in words.
 */
import type { Anomaly } from '../check-result.ts';
import type { PairedOperation } from '../history.ts';
import type { LinearizabilityModel, ModelOperation, Partition, Refutation } from './model.ts';
import type { SearchResult } from './search.ts';

/** An operation as it appears in a witness. */
export interface WitnessOperation {
  /** The paired operation's id. */
  id: number;
  /** The history's name for it (its index). */
  name: number;
  process: string | number;
  f: string;
  /** Argument at invocation. */
  value: unknown;
  /** Result at completion (absent when indeterminate). */
  result?: unknown;
  type: 'ok' | 'fail' | 'info';
  /** The operation in words, e.g. `read() → 3`. */
  text: string;
  invokePosition: number;
  /** Null when the operation is indeterminate (it returns at +infinity). */
  completePosition: number | null;
  invokeTimeMs?: number;
  completeTimeMs?: number;
  line?: number;
}

/** Shows how many of the prefix's last operations in words. */
const PREFIX_SHOWN = 4;
const PENDING_SHOWN = 6;

/** The `not-linearizable` anomaly for one part's failed search. */
export function describeWitness<S>(model: LinearizabilityModel<S>, part: Partition, result: Extract<SearchResult, { verdict: 'not-linearizable' }>): Anomaly {
  const ops = part.operations;
  let state = model.init();
  for (const i of result.prefix) state = model.step(state, ops[i]!)!;
  const stuck = ops[result.stuck]!;
  const legal = model.step(state, stuck) !== undefined;
  const pending = result.pending.filter((i) => i !== result.stuck).map((i) => ops[i]!);
  const prefix = result.prefix.map((i) => ops[i]!);
  const where = part.label ? ` on ${part.label}` : '';

  const shown = prefix.slice(-PREFIX_SHOWN).map((op) => `${who(op)} ${model.describe(op)}`);
  const prefixWords =
    prefix.length === 0
      ? `No operation${where} can be linearized first`
      : `The longest linearizable prefix${where} takes ${prefix.length} of ${ops.length} operations${prefix.length > PREFIX_SHOWN ? ', ending' : ':'} ${shown.join(', ')}, leaving the state ${model.describeState(state)}`;
  const why = legal ? 'every way of taking it there leads to a state already shown to be a dead end' : `it is illegal in state ${model.describeState(state)}`;
  const others =
    pending.length === 0
      ? 'and no other operation is pending to be taken first'
      : `and none of the ${pending.length} pending operation${pending.length === 1 ? '' : 's'} (${pending
          .slice(0, PENDING_SHOWN)
          .map((op) => `${who(op)} ${model.describe(op)}`)
          .join(', ')}${pending.length > PENDING_SHOWN ? ', …' : ''}) can be taken first to make it legal`;
  const explanation = `${prefixWords}. Then ${who(stuck)} ${model.describe(stuck)}${span(stuck.source)} cannot take effect before it completes: ${why}, ${others}.`;

  const anomaly: Anomaly = {
    type: 'not-linearizable',
    explanation,
    operation: witnessOperation(model, stuck),
    state: model.describeState(state),
    prefixLength: prefix.length,
    prefix: prefix.map((op) => witnessOperation(model, op)),
    pending: pending.map((op) => witnessOperation(model, op)),
    statesExplored: result.statesExplored,
  };
  if (part.label) anomaly.partition = part.label;
  return anomaly;
}

/** A model operation as plain data for a witness. */
export function witnessOperation<S>(model: LinearizabilityModel<S>, op: ModelOperation): WitnessOperation {
  const s = op.source;
  const data: WitnessOperation = {
    id: s.id,
    name: s.name,
    process: s.process,
    f: s.f,
    value: s.invokeValue,
    type: s.type,
    text: model.describe(op),
    invokePosition: s.invokePosition,
    completePosition: Number.isFinite(s.completePosition) ? s.completePosition : null,
  };
  if (s.type === 'ok') data.result = s.completeValue;
  if (s.invokeTimeMs !== undefined) data.invokeTimeMs = s.invokeTimeMs;
  if (s.completeTimeMs !== undefined) data.completeTimeMs = s.completeTimeMs;
  if (s.line !== undefined) data.line = s.line;
  return data;
}

const who = (op: ModelOperation): string => `process ${String(op.source.process)}'s`;

function span(op: PairedOperation): string {
  const where = op.line !== undefined ? `line ${op.line}` : `position ${op.invokePosition}`;
  return ` (${where}, ${op.type === 'ok' ? 'ok' : 'indeterminate'})`;
}

/**
 * The `not-linearizable` anomaly proven by a quick refutation, when the search did not reach
 * the end in its short budget: the operation that cannot take effect and the operations that
 * prove it, with the prefix the search had linearized when it stopped (not necessarily the
 * longest).
 */
export function describeRefutation<S>(model: LinearizabilityModel<S>, part: Partition, refutation: Refutation, searched: number[]): Anomaly {
  const ops = part.operations;
  const { stuck, because } = refutation;
  const needed = model.describeState(JSON.parse(refutation.value) === null ? model.init() : (refutation.value as S));
  const where = part.label ? ` on ${part.label}` : '';
  const other = because[0];
  const rule =
    refutation.rule === 'never-written'
      ? `it needs ${needed}, which no operation${where} ever sets`
      : refutation.rule === 'stale-read'
        ? `it needs ${needed}, but ${who(other!)} ${model.describe(other!)}${span(other!.source)} set another value after every operation that can set ${needed} had completed, and completed before this one began`
        : `it needs ${needed} and so did ${who(other!)} ${model.describe(other!)}${span(other!.source)}, which changed it; both began after every operation that can set ${needed} had completed, so only one of them can have seen it (a lost update)`;
  const prefix = searched.map((i) => ops[i]!);
  const anomaly: Anomaly = {
    type: 'not-linearizable',
    explanation: `${who(stuck)} ${model.describe(stuck)}${span(stuck.source)}${where} cannot take effect: ${rule}. The search found a linearizable prefix of ${prefix.length} of ${ops.length} operations before its budget for a refuted history ran out.`,
    rule: refutation.rule,
    operation: witnessOperation(model, stuck),
    because: because.map((op) => witnessOperation(model, op)),
    prefixLength: prefix.length,
    prefixComplete: false,
    prefix: prefix.map((op) => witnessOperation(model, op)),
  };
  if (part.label) anomaly.partition = part.label;
  return anomaly;
}
