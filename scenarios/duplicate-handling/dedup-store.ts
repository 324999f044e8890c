/**
 * The dedup store: a Redis-like key-value store in memory, holding "message seen" keys with
 * a time to live measured on its own clock. It forgets a key once its TTL has passed, and
 * forgets everything when it restarts (no persistence: a cache) or is lost
 * (`dedup-store-loss`: a failover to an empty replica, an eviction storm). How many keys it
 * holds is published to a view, for the scenario's chart and metrics.
 */
import type { Spawn } from '../../engine/index.ts';
import type { AppMessage } from './messages.ts';

/** The store's keys as the scenario's dashboard sees them (never read by the protocol). */
export class DedupStoreView {
  /** Each key with when it expires, on the store's clock. */
  keys: ReadonlyMap<string, number> = new Map();
  /** Most keys held at once, counted at each write. */
  keysMax = 0;

  show(keys: ReadonlyMap<string, number>): void {
    this.keys = keys;
    if (keys.size > this.keysMax) this.keysMax = keys.size;
  }

  /** Keys whose TTL has not passed at `nowMs`. */
  liveKeys(nowMs: number): number {
    let n = 0;
    for (const expiresMs of this.keys.values()) if (expiresMs > nowMs) n++;
    return n;
  }
}

export function dedupStore(view: DedupStoreView): Spawn<AppMessage> {
  return (ctx) => {
    // In memory only: a restart starts empty.
    let keys = new Map<string, number>();
    view.show(keys);
    if (ctx.incarnation > 0) ctx.note(() => 'dedup-store restarts empty: every "seen" key is gone', 'key');
    const expire = (): void => {
      const now = ctx.now;
      for (const [key, expiresMs] of keys) if (expiresMs <= now) keys.delete(key);
    };
    return {
      onMessage(from, m) {
        if (m.type === 'dedup-check') {
          const expiresMs = keys.get(m.key);
          const seen = expiresMs !== undefined && expiresMs > ctx.now;
          if (expiresMs !== undefined && !seen) keys.delete(m.key);
          ctx.send(from, { type: 'dedup-checked', id: m.id, seen });
        } else if (m.type === 'dedup-mark') {
          keys.set(m.key, ctx.now + m.ttlMs);
          expire();
          view.show(keys);
          ctx.send(from, { type: 'dedup-marked', id: m.id });
        }
      },
      onInject(fault) {
        if (fault.name !== 'dedup-store-loss') return;
        const lost = keys.size;
        keys = new Map();
        view.show(keys);
        ctx.state('emptied');
        ctx.note(() => `dedup-store loses all ${lost} key(s)`, 'key');
      },
    };
  };
}
