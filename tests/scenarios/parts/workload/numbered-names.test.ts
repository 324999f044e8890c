import { describe, expect, it } from 'vitest';
import { numberedNames } from '../../../../scenarios/parts/workload/numbered-names.ts';

describe('numberedNames', () => {
  it('spells a name as the prefix, the number and the suffix', () => {
    const eventId = numberedNames('o', '.charge');
    expect(eventId(17)).toBe('o17.charge');
    expect(numberedNames('acct-')(0)).toBe('acct-0');
  });

  it('gives the same name for the same number every time, whatever order the numbers come in', () => {
    const orderId = numberedNames('o');
    const first = [5, 1, 3].map(orderId);
    expect([5, 1, 3].map(orderId)).toEqual(first);
    expect(first).toEqual(['o5', 'o1', 'o3']);
  });

  it('still spells numbers past the ones it keeps', () => {
    expect(numberedNames('user')(5_000_000)).toBe('user5000000');
  });

  it('refuses a number that names nothing', () => {
    const name = numberedNames('o');
    expect(() => name(-1)).toThrow(/non-negative integer/);
    expect(() => name(1.5)).toThrow(/non-negative integer/);
  });
});
