/**
 * TokenBucket: a rate limiter. Tokens drip in at `ratePerMs` up to `capacity`; an action
 * that finds a token takes it and goes ahead, one that finds none is turned away at once.
 * Over any interval of length T it admits at most `capacity + ratePerMs * T` actions: the
 * long-run rate is bounded by the rate, and a burst by the capacity. That bound is what lets
 * a service promise a database it will never send it more than its share.
 *
 * Refilling is lazy (computed from the time elapsed), so the bucket needs no timer. Time is the
 * owner's clock: if it steps back, nothing refills until it has caught up with the last
 * moment the bucket saw.
 *
 * `reserve` is for work that must not be turned away (a warm-up, a flush): it takes its
 * tokens now, going into debt if need be, and says how long to wait before acting. Debt is
 * repaid before anyone else gets a token, so the bound above still holds.
 */
import { assert } from '../../../engine/index.ts';

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Actions admitted and refused so far. */
  admitted = 0;
  refused = 0;

  constructor(
    readonly ratePerMs: number,
    readonly capacity: number,
    nowMs = 0,
  ) {
    assert(ratePerMs > 0, 'ratePerMs is positive');
    assert(capacity >= 1, 'capacity is at least one token');
    this.tokens = capacity;
    this.updatedAt = nowMs;
  }

  /** Takes `n` tokens if there are that many; false (and nothing taken) otherwise. */
  tryTake(nowMs: number, n = 1): boolean {
    assert(n > 0 && n <= this.capacity, 'an action takes between 0 and capacity tokens');
    this.refill(nowMs);
    if (this.tokens < n) {
      this.refused++;
      return false;
    }
    this.tokens -= n;
    this.admitted++;
    return true;
  }

  /** Takes `n` tokens whatever the balance; returns the wait in ms until they are covered (0: act now). */
  reserve(nowMs: number, n: number): number {
    assert(n > 0, 'a reservation takes a positive number of tokens');
    this.refill(nowMs);
    this.tokens -= n;
    this.admitted++;
    // Refilling resumes from the last moment the bucket saw, which a clock that stepped back has not reached yet.
    return this.tokens >= 0 ? 0 : this.updatedAt - nowMs + -this.tokens / this.ratePerMs;
  }

  /** Tokens available now (negative while a reservation is being repaid). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.updatedAt) * this.ratePerMs);
      this.updatedAt = nowMs;
    }
  }
}
