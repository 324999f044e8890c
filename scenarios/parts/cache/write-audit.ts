/**
 * The promises the cache tier makes about writes, as invariants every cache scenario with
 * writes states the same way, judged on the database's log (what survived every crash):
 * - no write acknowledged to a user is lost: each one is in the database;
 * - each write request is applied at most once, however often the network delivers it, a
 *   user retries it or a flusher sends it again (the request id it carries is an idempotency
 *   key, committed with the write).
 */
import type { InvariantSpec, World } from '../../framework/scenario.ts';
import { type CommitIndex, writesAppliedTwice } from '../storage/database.ts';

export const NO_LOST_WRITE: InvariantSpec = {
  name: 'no-lost-write',
  kind: 'safety',
  description: 'Every write acknowledged to a user reaches the database (judged on the database’s log once the system has settled).',
};

/**
 * Checks, at the end of the run, that every write in `acknowledged` (request ids) is in the
 * database; `where` says where a lost write could have lived, for the message.
 */
export function auditNoLostWrite(world: World<unknown>, acknowledged: () => readonly number[], commits: CommitIndex, where = 'nowhere', db = 'db'): void {
  world.atEnd(() => {
    const lost = acknowledged().filter((w) => commits.versionOf(w) === undefined);
    if (lost.length === 0) return;
    world.violate(
      NO_LOST_WRITE.name,
      `${lost.length} acknowledged write(s) never reached the database (${lost
        .slice(0, 5)
        .map((w) => `request ${w}`)
        .join(', ')}${lost.length > 5 ? ', ...' : ''}): they lived ${where}`,
      { node: db, witnesses: [{ t: world.now, node: db, what: `the database holds none of request ${lost[0]}'s write` }] },
    );
  });
}

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
