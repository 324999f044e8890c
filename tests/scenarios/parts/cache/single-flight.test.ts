import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../../scenarios/parts/cache/single-flight.ts';

describe('SingleFlight', () => {
  it('makes the first caller lead and every concurrent caller wait on its one call', () => {
    const flights = new SingleFlight<string>();
    const answers: string[] = [];

    const leads = [1, 2, 3].map((i) => flights.join('k', (v) => answers.push(`${i}:${v}`)));
    const served = flights.finish('k', 'value');

    expect(leads).toEqual([true, false, false]);
    expect(served).toBe(3);
    expect(answers).toEqual(['1:value', '2:value', '3:value']);
    expect(flights.coalesced).toBe(2);
  });

  it('keeps keys apart and starts a new flight once the last one finished', () => {
    const flights = new SingleFlight<number>();

    const a = flights.join('a', () => {});
    const b = flights.join('b', () => {});
    flights.finish('a', 1);
    const again = flights.join('a', () => {});

    expect([a, b, again]).toEqual([true, true, true]);
    expect(flights.inFlight('b')).toBe(true);
  });
});
