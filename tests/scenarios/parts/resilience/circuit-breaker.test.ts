import { describe, expect, it } from 'vitest';
import { type BreakerTransition, CircuitBreaker, type CircuitBreakerConfig } from '../../../../scenarios/parts/resilience/circuit-breaker.ts';

const config: CircuitBreakerConfig = {
  windowMs: 100,
  minCalls: 4,
  failureRateThreshold: 0.5,
  slowCallMs: 50,
  slowCallRateThreshold: 0.75,
  openMs: 200,
  halfOpenCalls: 2,
};

function breaker(): { b: CircuitBreaker; transitions: BreakerTransition[] } {
  const transitions: BreakerTransition[] = [];
  return { b: new CircuitBreaker(config, (t) => transitions.push(t)), transitions };
}

describe('CircuitBreaker', () => {
  it('stays closed below minCalls, however many of them fail', () => {
    const { b } = breaker();

    for (let t = 0; t < 3; t++) b.record(t, 1, false);

    expect(b.state(3)).toBe('closed');
  });

  it('opens once the failure rate in the window reaches its threshold', () => {
    const { b, transitions } = breaker();

    b.record(0, 1, true);
    b.record(1, 1, true);
    b.record(2, 1, false);
    b.record(3, 1, false);

    expect(b.state(3)).toBe('open');
    expect(transitions[0]!.reason).toContain('2 of the last 4 calls');
  });

  it('opens on slow calls alone when enough of them pass the slow threshold', () => {
    const { b } = breaker();

    for (let t = 0; t < 4; t++) b.record(t, 60, true);

    expect(b.state(4)).toBe('open');
  });

  it('forgets failures older than its window', () => {
    const { b } = breaker();
    b.record(0, 1, false);
    b.record(1, 1, false);

    b.record(150, 1, true);
    b.record(151, 1, true);
    b.record(152, 1, false);

    expect(b.state(152)).toBe('closed');
  });

  it('refuses every call while open, then lets halfOpenCalls probes through', () => {
    const { b } = breaker();
    for (let t = 0; t < 4; t++) b.record(t, 1, false);

    const whileOpen = b.allow(100);
    const probes = [b.allow(203), b.allow(204), b.allow(205)];

    expect(whileOpen).toBe(false);
    expect(b.state(203)).toBe('half-open');
    expect(probes).toEqual([true, true, false]);
    expect(b.refused).toBe(2);
  });

  it('closes with a fresh window when the probes succeed', () => {
    const { b, transitions } = breaker();
    for (let t = 0; t < 4; t++) b.record(t, 1, false);
    b.allow(210);
    b.allow(211);

    b.record(212, 1, true);
    b.record(213, 1, true);
    b.record(214, 1, false);

    expect(b.state(214)).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the probes fail', () => {
    const { b } = breaker();
    for (let t = 0; t < 4; t++) b.record(t, 1, false);
    b.allow(210);
    b.allow(211);

    b.record(212, 1, false);
    b.record(213, 1, true);

    expect(b.state(213)).toBe('open');
    expect(b.allow(300)).toBe(false);
    expect(b.allow(413)).toBe(true);
  });
});
