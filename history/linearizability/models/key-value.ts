/**
 * `kv`: a key-value store of independent cas-registers, one per key, written as Jepsen's
 * `independent` tuples: `:value [k v]` (a read invokes `[k nil]` and returns `[k 3]`, a cas
 * carries `[k [expected new]]`). Because the keys are independent objects, the history is
 * linearizable exactly when each key's sub-history is (P-compositionality, Herlihy & Wing), so
 * the checker splits it per key: many small searches instead of one exponentially larger one.
 */

import { showValue, valueKey } from '../../values.ts';
import { type LinearizabilityModel, partitionByKey } from '../model.ts';
import { proveByWriteOrder } from '../write-order.ts';
import { describeRegisterOperation, prepareRegisterOperation, stepRegister } from './register.ts';
import { refuteRegister } from './register-refutation.ts';

const NIL = valueKey(null);

export const keyValue: LinearizabilityModel<string> = {
  name: 'kv',
  description: 'a key-value store of cas-registers, one per key, operations on [key value] tuples; checked key by key',
  functions: ['read', 'write', 'cas'],
  init: () => NIL,
  prepare(op) {
    const input = op.invokeValue;
    if (!Array.isArray(input) || input.length !== 2) return `a [key value] tuple, got ${showValue(input)}`;
    const output = op.completeValue;
    if (op.type === 'ok' && op.f === 'read' && (!Array.isArray(output) || output.length !== 2 || valueKey(output[0]) !== valueKey(input[0]))) {
      return `a read result [${showValue(input[0])} value], got ${showValue(output)}`;
    }
    const prepared = prepareRegisterOperation(op, op.f, input[1], Array.isArray(output) ? output[1] : undefined, true);
    if (typeof prepared === 'string') return prepared;
    prepared.partitionKey = valueKey(input[0]);
    return prepared;
  },
  readOnly: (op) => op.f === 'read',
  step: stepRegister,
  key: (state) => state,
  refute: (ops) => refuteRegister(ops, NIL),
  // A cas makes a write-order proof say nothing (it returns null for one): the search decides those histories.
  proveByOrder: (history, order) => proveByWriteOrder(history, order, true),
  partition: (operations) => partitionByKey(operations, (op) => `key ${showValue((op.source.invokeValue as unknown[])[0])}`),
  describe(op) {
    const input = op.source.invokeValue as unknown[];
    const output = op.source.completeValue;
    return `${describeRegisterOperation(op.f, input[1], Array.isArray(output) ? output[1] : undefined, op.known)} on key ${showValue(input[0])}`;
  },
  describeState: (state) => showValue(JSON.parse(state)),
};
