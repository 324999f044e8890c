import { describe, expect, it } from 'vitest';
import { checkHistory, type History } from '../../history/index.ts';

/** A history from compact steps: [process, 'invoke'|'ok', f, value]. */
function h(steps: [string, 'invoke' | 'ok' | 'fail' | 'info', string, unknown][]): History {
  return { operations: steps.map(([process, type, f, value], i) => ({ process, type, f, value, timeMs: i })) };
}

describe('the session checker', () => {
  it('accepts a client that reads its own writes and never goes back', () => {
    const result = checkHistory(
      h([
        ['a', 'invoke', 'write', ['x', 1]],
        ['a', 'ok', 'write', ['x', 1]],
        ['a', 'invoke', 'read', ['x', null]],
        ['a', 'ok', 'read', ['x', 1]],
        ['b', 'invoke', 'read', ['x', null]],
        ['b', 'ok', 'read', ['x', null]],
      ]),
      { model: 'session' },
    );

    expect(result).toMatchObject({ ok: true, verdict: 'ok', model: 'session', operations: 3 });
  });

  it("finds a read that misses the same client's completed write", () => {
    const result = checkHistory(
      h([
        ['a', 'invoke', 'write', ['x', 2]],
        ['a', 'ok', 'write', ['x', 2]],
        ['a', 'invoke', 'read', ['x', null]],
        ['a', 'ok', 'read', ['x', 1]],
      ]),
      { model: 'session' },
    );

    expect(result.ok).toBe(false);
    expect(result.anomalies).toEqual([expect.objectContaining({ type: 'read-your-writes', process: 'a', key: 'x' })]);
    expect(result.anomalies[0]!.explanation).toMatch(/a wrote 2 to x .* then read 1/);
  });

  it('finds reads going back in time, but not a read that began before the write completed', () => {
    const result = checkHistory(
      h([
        ['a', 'invoke', 'read', ['x', null]],
        ['b', 'invoke', 'write', ['x', 5]],
        ['a', 'ok', 'read', ['x', 3]],
        ['b', 'ok', 'write', ['x', 5]],
        ['a', 'invoke', 'read', ['x', null]],
        ['a', 'ok', 'read', ['x', 2]],
      ]),
      { model: 'session' },
    );

    expect(result.anomalies.map((a) => a.type)).toEqual(['monotonic-reads']);
  });

  it('judges the threads of one session (S#n) as that session, ordered by real time only', () => {
    const result = checkHistory(
      h([
        ['u', 'invoke', 'write', ['x', 4]],
        ['u', 'ok', 'write', ['x', 4]],
        // A later read on another thread of u misses u's write.
        ['u#2', 'invoke', 'read', ['x', null]],
        ['u#2', 'ok', 'read', ['x', 3]],
        // Two reads of u in flight at once: neither orders the other, so the older answer is no anomaly.
        ['u', 'invoke', 'read', ['y', null]],
        ['u#2', 'invoke', 'read', ['y', null]],
        ['u', 'ok', 'read', ['y', 9]],
        ['u#2', 'ok', 'read', ['y', 8]],
        // A read invoked after both completed is ordered after them.
        ['u#3', 'invoke', 'read', ['y', null]],
        ['u#3', 'ok', 'read', ['y', 8]],
      ]),
      { model: 'session' },
    );

    expect(result.anomalies.map((a) => [a.type, a.process, a.key])).toEqual([
      ['read-your-writes', 'u', 'x'],
      ['monotonic-reads', 'u', 'y'],
    ]);
  });

  it("takes a write's version from its acknowledgement when it reports one (a log position)", () => {
    const result = checkHistory(
      h([
        ['a', 'invoke', 'write', ['x', null]],
        ['a', 'ok', 'write', ['x', 12]],
        ['a', 'invoke', 'read', ['x', null]],
        ['a', 'ok', 'read', ['x', 11]],
      ]),
      { model: 'session' },
    );

    expect(result.anomalies).toEqual([expect.objectContaining({ type: 'read-your-writes', write: 0, read: 2 })]);
    expect(result.anomalies[0]!.explanation).toMatch(/a wrote 12 to x .* then read 11/);
  });

  it('refuses values that give no version order', () => {
    expect(() =>
      checkHistory(
        h([
          ['a', 'invoke', 'write', ['x', 'v1']],
          ['a', 'ok', 'write', ['x', 'v1']],
        ]),
        { model: 'session' },
      ),
    ).toThrow(/numeric versions per key/);
  });
});
