/**
 * The dedup store: a Redis-like key-value store in memory, holding "message seen" keys with
 * a time to live. It forgets a key once its TTL has passed, and forgets everything when it
 * restarts or is lost (`dedup-store-loss`: a failover to an empty replica, an eviction
 * storm). Its contents are published to a view so the scenario can chart its size.
 */
import type { NodeContext, Spawn } from '../../engine/index.ts';
import type { AppMessage } from './messages.ts';

/** The store's live keys, as the scenario's sampler sees them. */
export class DedupStoreView {
  keys = new Map<string, number>();

  /** Keys whose TTL has not passed at `nowMs`. */
  liveKeys(nowMs: number): number {
    let n = 0;
    for (const expiresMs of this.keys.values()) if (expiresMs > nowMs) n++;
    return n;
  }
}

export function dedupStore(view: DedupStoreView): Spawn<AppMessage> {
  return (ctx: NodeContext<AppMessage>) => {
    // In memory only: a restart starts empty.
    let keys = new Map<string, number>();
    view.keys = keys;
    if (ctx.incarnation > 0) ctx.note(() => 'dedup-store restarts empty: every "seen" key is gone', 'key');
    return {
      onMessage(from, m) {
        if (m.type === 'dedup-check') {
          const expiresMs = keys.get(m.key);
          if (expiresMs !== undefined && expiresMs <= ctx.now) keys.delete(m.key);
          ctx.send(from, { type: 'dedup-checked', id: m.id, seen: expiresMs !== undefined && expiresMs > ctx.now });
        } else if (m.type === 'dedup-mark') {
          keys.set(m.key, ctx.now + m.ttlMs);
          ctx.send(from, { type: 'dedup-marked', id: m.id });
        }
      },
      onInject(fault) {
        if (fault.name !== 'dedup-store-loss') return;
        const lost = keys.size;
        keys = new Map();
        view.keys = keys;
        ctx.state('emptied');
        ctx.note(() => `dedup-store loses all ${lost} key(s)`, 'key');
      },
    };
  };
}
