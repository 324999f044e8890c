/**
 * Session guarantees (Terry et al., "Session Guarantees for Weakly Consistent Replicated
 * Data", 1994) over a key-value history: what one client may expect of its own reads when the
 * store as a whole is only eventually consistent, as replica reads are.
 *  - read-your-writes: once a client's write completed, its later reads of that key see it
 *    or something newer;
 *  - monotonic reads: a client's reads of a key never go back to an older version.
 *
 * Operations are `kv`-shaped (`write [k v]`, `read [k nil]` returning `[k v]`). "Newer" needs a
 * version order, which the history gives by writing, per key, strictly increasing numbers (a
 * version counter, a log position); `nil` is older than every write. A history that does not
 * is refused, naming the operation, rather than judged by a guess.
 */
import type { Anomaly, CheckResult } from '../check-result.ts';
import type { History, PairedOperation } from '../history.ts';
import { pairOperations } from '../pair-operations.ts';
import { showValue, valueKey } from '../values.ts';

function versionOf(op: PairedOperation, value: unknown): number {
  if (value === null || value === undefined) return Number.NEGATIVE_INFINITY;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`the session model needs numeric versions per key; operation ${op.name} (${op.f} by ${String(op.process)}) carries ${showValue(value)}`);
  }
  return value;
}

function tuple(op: PairedOperation, value: unknown): [string, unknown] {
  if (!Array.isArray(value) || value.length !== 2)
    throw new Error(`the session model needs [key value] tuples; operation ${op.name} (${op.f}) carries ${showValue(value)}`);
  return [valueKey(value[0]), value[1]];
}

/** Checks read-your-writes and monotonic reads for every client of a kv history. */
export function checkSession(history: History): CheckResult {
  const ops = pairOperations(history);
  const anomalies: Anomaly[] = [];
  // Per process and key: the newest version it wrote (completed ok) and the newest it read.
  const wrote = new Map<string, { version: number; op: PairedOperation }>();
  const read = new Map<string, { version: number; op: PairedOperation }>();
  // In history order of completions: a client's guarantees hold from the moment it learned the outcome.
  const byCompletion = ops.filter((op) => op.type === 'ok').sort((a, b) => a.completePosition - b.completePosition);
  for (const op of byCompletion) {
    const process = String(op.process);
    if (op.f === 'write') {
      const [key, value] = tuple(op, op.invokeValue);
      const at = `${process}\u0000${key}`;
      const version = versionOf(op, value);
      if (version > (wrote.get(at)?.version ?? Number.NEGATIVE_INFINITY)) wrote.set(at, { version, op });
      continue;
    }
    if (op.f !== 'read') continue;
    const [key, value] = tuple(op, op.completeValue);
    const at = `${process}\u0000${key}`;
    const version = versionOf(op, value);
    const own = wrote.get(at);
    if (own !== undefined && own.op.completePosition < op.invokePosition && version < own.version) {
      anomalies.push({
        type: 'read-your-writes',
        explanation: `${process} wrote ${showValue(own.version)} to ${showValue(JSON.parse(key))} (operation ${own.op.name}), then read ${showValue(value)} (operation ${op.name}): its own write was not visible to it`,
        process,
        key: JSON.parse(key),
        write: own.op.name,
        read: op.name,
      });
    }
    const before = read.get(at);
    if (before !== undefined && version < before.version) {
      anomalies.push({
        type: 'monotonic-reads',
        explanation: `${process} read ${showValue(before.version)} from ${showValue(JSON.parse(key))} (operation ${before.op.name}), then an older ${showValue(value)} (operation ${op.name})`,
        process,
        key: JSON.parse(key),
        earlier: before.op.name,
        later: op.name,
      });
    }
    if (version > (before?.version ?? Number.NEGATIVE_INFINITY)) read.set(at, { version, op });
  }
  return { ok: anomalies.length === 0, verdict: anomalies.length === 0 ? 'ok' : 'violated', model: 'session', operations: ops.length, elapsedMs: 0, anomalies };
}
