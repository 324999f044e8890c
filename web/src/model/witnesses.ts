/**
 * Why an invariant broke, read from the trace: the correlation keys messages carry (a
 * transaction `tx`, a `key`, an `item`, an id: any short identifier among a message's fields),
 * and the witnesses of a violation — the scenario's own when it names them, else the moments
 * of the key its message names: when that key was first sent, the states entered for it, the
 * notes that mention it — added to the scenario's own, which may not name every step. An
 * invariant judged at the end of the run thus points at its causes (the ack at 1,074 ms, the
 * log rewind at 2,597 ms), not only at the end.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import type { WitnessMark } from './focus.ts';
import { fmtTime } from './format.ts';
import type { TraceStore } from './trace-store.ts';

const ID = /^[A-Za-z0-9][\w.:/-]{0,39}$/;

/** A message's correlation keys: its short identifier-like field values (not its type). */
export function correlationKeys(msg: unknown, out: string[] = []): string[] {
  out.length = 0;
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return out;
  for (const [field, value] of Object.entries(msg as Record<string, unknown>)) {
    if (field === 'type') continue;
    if (typeof value === 'string' && ID.test(value)) out.push(value);
  }
  return out;
}

/** The key a violation is about: the first word of its message that some message of the run carries (node names aside). */
export function keyOfText(store: TraceStore, text: string): string | null {
  for (const word of text.split(/[\s,;()'"]+/)) {
    const w = word.replace(/[.:]$/, '');
    if (w === '' || store.nodeOf(w) >= 0) continue;
    if (store.keyIndex.has(w)) return w;
  }
  return null;
}

/** What a violation points at: its key and the moments that explain it, in time order. */
export function witnessesOf(
  store: TraceStore,
  violation: { time: number; node: string | null; message: string; witnesses?: readonly WitnessMark[] },
): { key: string | null; witnesses: WitnessMark[] } {
  const own = violation.witnesses ?? [];
  const key = own.find((w) => w.key !== undefined)?.key ?? keyOfText(store, violation.message);
  const marks: WitnessMark[] = own.map((w) => ({ ...w }));
  // The scenario's own witnesses first; the key's moments in the trace complete the story (the rewind after the ack).
  if (key !== null) marks.push(...momentsOf(store, key, violation.time).filter((m) => !own.some((w) => Math.abs(w.t - m.t) < 1e-9)));
  marks.push({ t: violation.time, ...(violation.node ? { node: violation.node } : {}), what: 'judged violated' });
  marks.sort((a, b) => a.t - b.t);
  return { key, witnesses: dedupe(marks) };
}

/** The moments of a key up to `untilMs`: its first message, the states entered for it, the notes naming it (at most 8). */
export function momentsOf(store: TraceStore, key: string, untilMs: number): WitnessMark[] {
  const out: WitnessMark[] = [];
  const messages = store.keyIndex.get(key) ?? [];
  if (messages.length > 0) {
    const m = messages[0]!;
    const e = store.events[store.messageEvent(m)] as Extract<TraceEvent, { type: 'send' }>;
    out.push({ t: e.t, node: e.from, key, what: `${e.from} sends ${store.messageTypes[store.messageType(m)]} to ${e.to}` });
  }
  const pattern = wordPattern(key);
  for (const i of store.notes) {
    const e = store.events[i] as Extract<TraceEvent, { type: 'note' }>;
    if (e.t > untilMs) break;
    if (!pattern.test(e.text)) continue;
    out.push({ t: e.t, ...(e.node ? { node: e.node } : {}), key, what: e.text });
  }
  const states = store.statesOfKey.get(key) ?? [];
  for (const i of states) {
    const e = store.events[i] as Extract<TraceEvent, { type: 'state' }>;
    if (e.t > untilMs) break;
    if (isOutcomeState(e.state)) out.push({ t: e.t, node: e.node, key, what: `${e.node} → ${e.state}` });
  }
  out.sort((a, b) => a.t - b.t);
  // The first and the last moments tell the story; keep both ends when there are many.
  return out.length <= 8 ? out : [...out.slice(0, 4), ...out.slice(-4)];
}

/** A word match for a key inside narration text. */
export function wordPattern(key: string): RegExp {
  return new RegExp(`(^|[^\\w-])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`);
}

/** One line for a witness, for buttons and tooltips. */
export function describeWitness(w: WitnessMark): string {
  return `${fmtTime(w.t)}${w.node ? ` ${w.node}` : ''}: ${w.what ?? (w.key ? `about ${w.key}` : 'here')}`;
}

function isOutcomeState(state: string): boolean {
  return !/^(idle|working|ready|up|ok)$/.test(state);
}

function dedupe(marks: WitnessMark[]): WitnessMark[] {
  const seen = new Set<string>();
  return marks.filter((m) => {
    const k = `${m.t}|${m.node ?? ''}|${m.what ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
