/**
 * The live server's clock, read through its own TIME command, and a wait until it reaches a
 * given millisecond. The differential runner never compares against the local wall clock:
 * what decides whether a key has expired on the server is the server's time, so that is the
 * time it reads.
 */
import type { Redis } from 'ioredis';

/** The server's time in whole ms (what Redis compares expiry times with). */
export async function serverNowMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Waits until the server's clock reads at least `targetMs` (bounded: the server's clock moves). */
export async function untilServerTime(client: Redis, targetMs: number): Promise<void> {
  for (let polls = 0; polls < 100_000; polls++) {
    const now = await serverNowMs(client);
    if (now >= targetMs) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, targetMs - now - 1)));
  }
  throw new Error(`the server's clock did not reach ${targetMs}`);
}
