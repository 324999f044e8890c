/**
 * Session guarantees (Terry et al., "Session Guarantees for Weakly Consistent Replicated
 * Data", 1994) over a key-value history: what one client may expect of its own reads when the
 * store as a whole is only eventually consistent, as replica reads are.
 *  - read-your-writes: once a client's write completed, its later reads of that key see it
 *    or something newer;
 *  - monotonic reads: once a client was shown a version of a key, its later reads of that key
 *    never go back to an older one.
 *
 * "Later" is real time within the session: a read invoked after the write (or the earlier
 * read) completed. Two operations of one session in flight at once are not ordered, so
 * neither constrains the other, as in Terry's definitions.
 *
 * A session is a process, or several: a process named `S#n` (n a number) is thread n of
 * session S, so a session with several requests in flight (a browser, a connection pool)
 * records each on a thread of its own (a Jepsen process has one operation open at a time)
 * and is still judged as one session.
 *
 * Operations are `kv`-shaped (`write [k v]`, `read [k nil]` returning `[k v]`). "Newer" needs a
 * version order, which the history gives with strictly increasing numbers per key (a version
 * counter, a log position); `nil` is older than every write. A write's version is the one its
 * `ok` completion reports when it reports one (a log position the acknowledgement carried),
 * else the value it wrote. A history that gives no numeric version is refused, naming the
 * operation, rather than judged by a guess.
 */
import { type Anomaly, type CheckOptions, type CheckResult, stopwatch } from '../check-result.ts';
import type { History, PairedOperation, Process } from '../history.ts';
import { pairOperations } from '../pair-operations.ts';
import { showValue, valueKey } from '../values.ts';

/** The session a process belongs to: `S` for a thread `S#n`, else the process itself. */
export function sessionOf(process: Process): string {
  const name = String(process);
  const hash = name.lastIndexOf('#');
  return hash > 0 && /^\d+$/.test(name.slice(hash + 1)) ? name.slice(0, hash) : name;
}

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
  return [keyOf(value[0]), value[1]];
}

/** A key's canonical string (a string key as itself, marked apart from the JSON of any other value). */
function keyOf(key: unknown): string {
  return typeof key === 'string' ? `s${key}` : `j${valueKey(key)}`;
}

/** The key a canonical string stands for. */
function keyFrom(key: string): unknown {
  return key[0] === 's' ? key.slice(1) : JSON.parse(key.slice(1));
}

/** A write's key and version: the completion's `[k version]` when it carries a number, else the invocation's. */
function written(op: PairedOperation): [string, number] {
  const [key, value] = tuple(op, op.invokeValue);
  const reported = op.completeValue;
  if (Array.isArray(reported) && reported.length === 2 && typeof reported[1] === 'number' && keyOf(reported[0]) === key) {
    return [key, versionOf(op, reported[1])];
  }
  return [key, versionOf(op, value)];
}

/** One session's newest write and newest read of each key (by the key's canonical text). */
interface Session {
  name: string;
  wrote: Map<string, Newest>;
  read: Map<string, Newest>;
}

interface Newest {
  version: number;
  op: PairedOperation;
}

/** What a read invoked by a session could already expect, per session and key. */
interface Expectation {
  own: Newest | undefined;
  seen: Newest | undefined;
}

/** Checks read-your-writes and monotonic reads for every session of a kv history. */
export function checkSession(history: History, options: CheckOptions = {}): CheckResult {
  const watch = stopwatch({ ...(options.clock ? { clock: options.clock } : {}) });
  const ops = pairOperations(history);
  const anomalies: Anomaly[] = [];
  // Per session, per key: the newest version it wrote (completed ok) and the newest it was shown, so far in history order.
  // A session's threads (S#1, S#2...) share its record.
  const sessions = new Map<Process, Session>();
  const byName = new Map<string, Session>();
  const expected: (Expectation | undefined)[] = new Array(ops.length);
  // Invocations of ok reads (what they may expect is fixed then) and ok completions, in history order: one slot per position.
  const steps: (PairedOperation | undefined)[] = new Array(history.operations.length);
  for (const op of ops) {
    if (op.type !== 'ok' || (op.f !== 'read' && op.f !== 'write')) continue;
    if (op.f === 'read') steps[op.invokePosition] = op;
    steps[op.completePosition] = op;
  }
  for (let position = 0; position < steps.length; position++) {
    const op = steps[position];
    if (op === undefined) continue;
    let session = sessions.get(op.process);
    if (session === undefined) {
      const name = sessionOf(op.process);
      session = byName.get(name);
      if (session === undefined) byName.set(name, (session = { name, wrote: new Map(), read: new Map() }));
      sessions.set(op.process, session);
    }
    if (op.f === 'write') {
      const [key, version] = written(op);
      if (version > (session.wrote.get(key)?.version ?? Number.NEGATIVE_INFINITY)) session.wrote.set(key, { version, op });
      continue;
    }
    const [key] = tuple(op, op.invokeValue);
    if (position === op.invokePosition) {
      expected[op.id] = { own: session.wrote.get(key), seen: session.read.get(key) };
      continue;
    }
    const [readKey, value] = tuple(op, op.completeValue);
    if (readKey !== key) {
      throw new Error(
        `the session model needs a read to return its own key; operation ${op.name} read ${showValue(op.invokeValue)} and returned ${showValue(op.completeValue)}`,
      );
    }
    const version = versionOf(op, value);
    const { own, seen } = expected[op.id]!;
    if (own !== undefined && version < own.version) anomalies.push(missedOwnWrite(session.name, key, own, op, value));
    if (seen !== undefined && version < seen.version) anomalies.push(wentBack(session.name, key, seen, op, value));
    if (version > (session.read.get(key)?.version ?? Number.NEGATIVE_INFINITY)) session.read.set(key, { version, op });
  }
  const verdict = anomalies.length === 0 ? 'ok' : 'violated';
  return { ok: verdict === 'ok', verdict, model: 'session', operations: ops.length, elapsedMs: watch.elapsedMs(), anomalies };
}

function missedOwnWrite(session: string, key: string, own: Newest, op: PairedOperation, value: unknown): Anomaly {
  const k = keyFrom(key);
  return {
    type: 'read-your-writes',
    explanation: `${session} wrote ${showValue(own.version)} to ${showValue(k)} (operation ${own.op.name}), then read ${showValue(value)} (operation ${op.name}): its own write was not visible to it`,
    process: session,
    key: k,
    write: own.op.name,
    read: op.name,
  };
}

function wentBack(session: string, key: string, seen: Newest, op: PairedOperation, value: unknown): Anomaly {
  const k = keyFrom(key);
  return {
    type: 'monotonic-reads',
    explanation: `${session} read ${showValue(seen.version)} from ${showValue(k)} (operation ${seen.op.name}), then an older ${showValue(value)} (operation ${op.name})`,
    process: session,
    key: k,
    earlier: seen.op.name,
    later: op.name,
  };
}
