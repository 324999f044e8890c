import { describe, expect, it } from 'vitest';
import { BoundExceededError, HandlerError, InputError, Simulation } from '../../engine/index.ts';

/** The error `fn` throws (fails the test if it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** A node that sets a timer of `delayMs` every time one fires, forever. */
function runaway(delayMs: number): Simulation {
  const sim = new Simulation({ seed: 1 });
  sim.addNode('spinner', (ctx) => {
    ctx.setTimer(delayMs);
    return { onTimer: () => ctx.setTimer(delayMs) };
  });
  return sim;
}

describe('Run bounds', () => {
  it('stops a runaway run at eventsMax with a BoundExceededError naming eventsMax', () => {
    const sim = runaway(0);

    const error = thrownBy(() => sim.run({ eventsMax: 1_000 }));

    expect(error).toBeInstanceOf(BoundExceededError);
    expect(error).toMatchObject({ name: 'BoundExceededError', bound: 'eventsMax', limit: 1_000, events: 1_000 });
    expect((error as Error).message).toMatch(/^run stopped at its bound eventsMax=1000: 1000 events processed by t=0\.000 ms/);
  });

  it('stops a run whose clock passes timeMaxMs with a BoundExceededError naming timeMaxMs', () => {
    const sim = runaway(1);

    const error = thrownBy(() => sim.run({ timeMaxMs: 500 }));

    expect(error).toBeInstanceOf(BoundExceededError);
    expect(error).toMatchObject({ bound: 'timeMaxMs', limit: 500, timeMs: 501 });
    expect((error as Error).message).toMatch(/^run stopped at its bound timeMaxMs=500: simulated time reached 501\.000 ms/);
    expect(sim.now).toBe(500);
  });

  it('ends a run normally at untilMs, even with events pending', () => {
    const sim = runaway(1);

    const outcome = sim.run({ untilMs: 500 });

    expect(outcome).toEqual({ reason: 'until', timeMs: 500, events: 500 });
  });
});

describe('HandlerError', () => {
  it('names the time, the node and the message when a message handler throws', () => {
    const sim = new Simulation({ seed: 1, network: { latency: { kind: 'constant', ms: 12 } } });
    sim.addNode('a', (ctx) => {
      ctx.send(1, { op: 'boom' });
      return {};
    });
    sim.addNode('b', () => ({
      onMessage: () => {
        throw new Error('kaput');
      },
    }));

    const error = thrownBy(() => sim.run());

    expect(error).toBeInstanceOf(HandlerError);
    expect((error as Error).message).toBe('handler threw at t=12.000 ms on b while handling message {"op":"boom"}: kaput');
    expect(error).toMatchObject({ timeMs: 12, node: 'b', event: 'message {"op":"boom"}' });
    expect((error as HandlerError).cause).toEqual(new Error('kaput'));
  });

  it('names the timer tag when a timer handler throws', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', (ctx) => {
      ctx.setTimer(3.5, 'tick');
      return {
        onTimer: () => {
          throw new RangeError('bad tick');
        },
      };
    });

    const error = thrownBy(() => sim.run());

    expect((error as Error).message).toBe('handler threw at t=3.500 ms on p1 while handling timer "tick": bad tick');
  });

  it('names the simulation when a scheduled callback throws', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(2, () => {
      throw 'not an Error';
    });

    const error = thrownBy(() => sim.run());

    expect((error as Error).message).toBe('handler threw at t=2.000 ms on the simulation while handling a scheduled callback: not an Error');
    expect(error).toMatchObject({ node: null, cause: 'not an Error' });
  });

  it('names the fault when a node throws while restarting', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', (ctx) => {
      if (ctx.incarnation > 0) throw new Error('corrupt disk');
      return {};
    });
    sim.schedulePlan([
      { at: 1, kind: 'crash', node: 'p1' },
      { at: 2, kind: 'restart', node: 'p1' },
    ]);

    const error = thrownBy(() => sim.run());

    expect((error as Error).message).toBe('handler threw at t=2.000 ms on the simulation while handling fault: p1 restarts at 2 ms: corrupt disk');
  });

  it('shortens a long message in its description', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode('p1', (ctx) => {
      ctx.send(ctx.self, 'x'.repeat(500));
      return {
        onMessage: () => {
          throw new Error('too long');
        },
      };
    });

    const error = thrownBy(() => sim.run()) as HandlerError;

    expect(error.event).toBe(`message "${'x'.repeat(199)}...`);
  });

  it('passes a HandlerError thrown by a handler through unwrapped', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(1, () => {
      throw new HandlerError(0, 'inner', 'something', new Error('inner failure'));
    });

    const error = thrownBy(() => sim.run());

    expect(error).toMatchObject({ node: 'inner', event: 'something' });
  });
});

describe('InputError', () => {
  it('is an Error named InputError', () => {
    const error = new InputError('bad input');

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InputError');
  });
});
