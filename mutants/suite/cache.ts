/**
 * Mutants of the cache family: realistic small bugs in its sound strategies (cache-strategies'
 * leases, cache-invalidation's versioned keys, cache-stampede's mutex and coalescing,
 * redis-outage's breakers with their rate limiter, connection pool and warm-up) and the parts
 * they use (the database, the cache's leases, the circuit breaker, the token bucket). See
 * mutants/mutant.ts.
 */
import type { Mutant } from '../mutant.ts';

export const mutants: Mutant[] = [
  {
    id: 'cache-db-ack-before-log-force',
    family: 'cache',
    scenario: 'cache-strategies',
    strategy: 'lease',
    file: 'scenarios/parts/storage/database.ts',
    find: `      wal.append(q.requestId === undefined ? next : { key: next.key, value: next.value, version: next.version, requestId: q.requestId });
      ctx.disk.force();`,
    replace: `      wal.append(q.requestId === undefined ? next : { key: next.key, value: next.value, version: next.version, requestId: q.requestId });`,
    description: 'the database acknowledges a commit without forcing its log (fsync off): a crash loses writes it confirmed',
  },
  {
    id: 'cache-db-no-redo-on-restart',
    family: 'cache',
    scenario: 'cache-invalidation',
    strategy: 'versioned-keys',
    file: 'scenarios/parts/storage/database.ts',
    find: `      rows.set(c.key, committed);
      if (c.requestId !== undefined) applied.set(c.requestId, committed);`,
    replace: `      if (c.requestId !== undefined) applied.set(c.requestId, committed);`,
    description: 'the restarted database rebuilds its idempotency index from the log but not its rows: committed writes read as never made',
  },
  {
    id: 'cache-db-dedup-index-in-memory',
    family: 'cache',
    scenario: 'cache-strategies',
    strategy: 'lease',
    file: 'scenarios/parts/storage/database.ts',
    find: `      rows.set(c.key, committed);
      if (c.requestId !== undefined) applied.set(c.requestId, committed);`,
    replace: `      rows.set(c.key, committed);`,
    description: 'the idempotency keys live in memory only: after a restart a retried write is applied a second time',
  },
  {
    id: 'lease-ack-before-invalidation-confirmed',
    family: 'cache',
    scenario: 'cache-strategies',
    strategy: 'lease',
    file: 'scenarios/cache-strategies/app.ts',
    find: `results === null ? respond(ctx, to, req, false, undefined, 'invalidation-unconfirmed') : respond(ctx, to, req, true),`,
    replace: `respond(ctx, to, req, true),`,
    description: 'the write is acknowledged whether or not the cache confirmed its DEL: a lost invalidation leaves the old value served',
  },
  {
    id: 'lease-fill-without-lease',
    family: 'cache',
    scenario: 'cache-strategies',
    strategy: 'lease',
    file: 'scenarios/cache-strategies/app.ts',
    find: `if (strategy === 'lease') return token === null ? null : { op: 'lease-set', key, token, value, px: ttlMs };`,
    replace: `if (strategy === 'lease') return { op: 'set', key, value, px: ttlMs };`,
    description: 'a miss fills the cache with a plain SET instead of presenting its lease: the stale-set race is back',
  },
  {
    id: 'lease-del-keeps-lease',
    family: 'cache',
    scenario: 'cache-strategies',
    strategy: 'lease',
    file: 'scenarios/parts/cache/cache-store.ts',
    find: `    // A write's DEL also revokes any lease on the key: a fill that read before it must not land.
    this.leases.delete(key);`,
    replace: `    // A write's DEL also revokes any lease on the key: a fill that read before it must not land.`,
    description: 'a DEL does not revoke the key’s lease: a fill that read the old value before the write still lands',
  },
  {
    id: 'versioned-keys-reads-previous-version',
    family: 'cache',
    scenario: 'cache-invalidation',
    strategy: 'versioned-keys',
    file: 'scenarios/cache-invalidation/app.ts',
    find: `lookup(to, req, versionedKey(req.key, reply.rows![0]!.version), readAt);`,
    replace: `lookup(to, req, versionedKey(req.key, Math.max(0, reply.rows![0]!.version - 1)), readAt);`,
    description: 'an off-by-one in the version a reader asks the cache for: it reads the entry of the version before the current one',
  },
  {
    id: 'versioned-keys-ack-before-commit',
    family: 'cache',
    scenario: 'cache-invalidation',
    strategy: 'versioned-keys',
    file: 'scenarios/cache-invalidation/app.ts',
    find: `    const onWrite = (to: NodeId, req: AppRequest): void => {
      db({`,
    replace: `    const onWrite = (to: NodeId, req: AppRequest): void => {
      respond(ctx, to, req, true);
      db({`,
    description: 'a write is acknowledged as soon as it is sent to the database, before it has committed',
  },
  {
    id: 'coalescing-flight-ends-before-fill',
    family: 'cache',
    scenario: 'cache-stampede',
    strategy: 'coalescing',
    file: 'scenarios/cache-stampede/app.ts',
    find: `        backend.cache([{ op: 'set', key, value, px: ttl() }, ...extra], () => {
          audit.ended(ctx.name, key);
          done(value);
        });`,
    replace: `        done(value);
        backend.cache([{ op: 'set', key, value, px: ttl() }, ...extra], () => {
          audit.ended(ctx.name, key);
        });`,
    description: 'coalescing ends the flight when the database answers, before the cache fill lands: a miss in between queries again',
  },
  {
    id: 'mutex-waiter-recomputes',
    family: 'cache',
    scenario: 'cache-stampede',
    strategy: 'mutex',
    file: 'scenarios/cache-stampede/app.ts',
    find: `if (lock.ok) return recompute(req.key, answer(to, req), [unlockCommand(req.key, owner)], owner);`,
    replace: `if (lock.ok !== undefined) return recompute(req.key, answer(to, req), [unlockCommand(req.key, owner)], owner);`,
    description: 'the reader checks that SET NX answered, not that it succeeded: a waiter recomputes as if it held the lock',
  },
  {
    id: 'mutex-lock-released-before-fill',
    family: 'cache',
    scenario: 'cache-stampede',
    strategy: 'mutex',
    file: 'scenarios/cache-stampede/app.ts',
    find: `if (lock.ok) return recompute(req.key, answer(to, req), [unlockCommand(req.key, owner)], owner);`,
    replace: `if (lock.ok) return (backend.cacheAsync([unlockCommand(req.key, owner)]), recompute(req.key, answer(to, req), [], owner));`,
    description: 'the lock is released as soon as it is taken (a finally in the wrong place): waiters take it in turn and each recomputes',
  },
  {
    id: 'breaker-half-open-admits-all',
    family: 'cache',
    scenario: 'redis-outage',
    strategy: 'breaker-cold',
    file: 'scenarios/parts/resilience/circuit-breaker.ts',
    find: `if (s === 'half-open' && this.probesSent < this.config.halfOpenCalls) {`,
    replace: `if (s === 'half-open') {`,
    description: 'a half-open breaker lets every call through instead of its probes',
  },
  {
    id: 'token-bucket-uncapped-refill',
    family: 'cache',
    scenario: 'redis-outage',
    strategy: 'breaker-cold',
    file: 'scenarios/parts/resilience/token-bucket.ts',
    find: `this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.updatedAt) * this.ratePerMs);`,
    replace: `this.tokens = this.tokens + (nowMs - this.updatedAt) * this.ratePerMs;`,
    description: 'the token bucket refills past its capacity: after a quiet spell it admits a burst far larger than promised',
  },
  {
    id: 'warmup-ignores-rate-limit',
    family: 'cache',
    scenario: 'redis-outage',
    strategy: 'breaker-warmup',
    file: 'scenarios/redis-outage/app.ts',
    find: `later(bucket.reserve(ctx.now, config.batchCost(batch.length)), () => {`,
    replace: `later((bucket.reserve(ctx.now, config.batchCost(batch.length)), 0), () => {`,
    description: 'the warm-up reserves its tokens but does not wait for them: its batches go out at once, past the rate',
  },
  {
    id: 'pool-released-when-caller-gives-up',
    family: 'cache',
    scenario: 'redis-outage',
    strategy: 'breaker-cold',
    file: 'scenarios/redis-outage/app.ts',
    find: `        waiting = false;
        done(null, config.dbTimeoutMs);
      });
      backend.db(
        q,
        (reply, elapsedMs) => {
          pool.release();
          if (!waiting) return;`,
    replace: `        waiting = false;
        pool.release();
        done(null, config.dbTimeoutMs);
      });
      backend.db(
        q,
        (reply, elapsedMs) => {
          if (!waiting) return;
          pool.release();`,
    description: 'the connection goes back to the pool when the app stops waiting, while the database still runs its query',
  },
  {
    id: 'pool-sized-for-whole-database',
    family: 'cache',
    scenario: 'redis-outage',
    strategy: 'breaker-cold',
    file: 'scenarios/redis-outage/index.ts',
    find: `          dbPoolSize,
          dbSocketTimeoutMs: p.dbSocketTimeoutMs,`,
    replace: `          dbPoolSize: p.dbConnections,
          dbSocketTimeoutMs: p.dbSocketTimeoutMs,`,
    description: 'each app’s connection pool is sized for the whole database, so together the apps can queue there',
  },
];
