/**
 * durableMap: a named key-value map on a node's disk (created empty on first use). Writes to
 * it survive a crash, as a database's tables do; iteration is in insertion order, so reading
 * it back never depends on chance.
 */
import type { DurableStore } from '../../../engine/index.ts';

export function durableMap<T>(disk: DurableStore, name: string): Map<string, T> {
  let map = disk.get<Map<string, T>>(name);
  if (map === undefined) {
    map = new Map();
    disk.set(name, map);
  }
  return map;
}
