/**
 * The final read of a Jepsen-style test: once every fault has healed and the system has
 * settled, read every item register the users wrote, from the data that counts (the active
 * region's lists), and record each read in the clients' history. With it the history says
 * what the system ended with, so a generic checker (`kv`: linearizability, one register per
 * item) judges what the users were told against what survived, independently of the
 * WriteLedger behind the scenario's own invariants.
 */
import type { ClientHistory } from '../framework/client-history.ts';
import type { StoredList } from './passive-database.ts';
import { itemRegister } from './users.ts';

/** The process the final reads are recorded on. */
export const FINAL_READER = 'final-read';

/** Records a read of every item register the history wrote, as `lists` (list → StoredList) hold it: added, removed, or nil (never there). */
export function recordFinalReads(history: ClientHistory, lists: Iterable<[string, StoredList]>): void {
  if (!history.recording) return;
  const state = new Map<string, 'added' | 'removed'>();
  for (const [key, list] of lists) {
    for (const item of list.items) state.set(itemRegister(key, item), 'added');
    for (const item of list.removed) state.set(itemRegister(key, item), 'removed');
  }
  const registers = new Set<string>();
  for (const op of history.history().operations) if (op.type === 'invoke' && op.f === 'write') registers.add((op.value as [string, unknown])[0] as string);
  for (const register of [...registers].sort()) {
    const read = history.invoke(FINAL_READER, 'read', [register, null]);
    history.ok(read, [register, state.get(register) ?? null]);
  }
}
