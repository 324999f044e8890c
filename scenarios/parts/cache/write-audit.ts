/**
 * The promise the cache tier's database makes about writes, as an invariant every cache
 * scenario with writes states the same way: each write request is applied at most once,
 * however often the network delivers it, a user retries it or a flusher sends it again (the
 * request id it carries is an idempotency key, committed with the write). Judged on the
 * database's log, which is what survived every crash.
 */
import type { InvariantSpec, World } from '../../framework/scenario.ts';
import { writesAppliedTwice } from '../storage/database.ts';

export const WRITE_APPLIED_ONCE: InvariantSpec = {
  name: 'write-applied-once',
  kind: 'safety',
  description:
    'The database applies each write request at most once, however often the network delivers it or it is sent again: the request id it carries is an idempotency key (judged on the database’s log once the system has settled).',
};

/** Checks, at the end of the run, that the database named `db` applied no write twice. */
export function auditWritesAppliedOnce(world: World<unknown>, db = 'db'): void {
  world.atEnd(() => {
    const twice = writesAppliedTwice(world.disk(db));
    if (twice.length === 0) return;
    world.violate(
      WRITE_APPLIED_ONCE.name,
      `the database committed request ${twice[0]}'s write more than once (${twice.length} such): a duplicate delivery was applied again`,
      { node: db, witnesses: [{ t: world.now, node: db, what: `request ${twice[0]} appears twice in the database's log` }] },
    );
  });
}
