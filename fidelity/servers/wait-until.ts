/**
 * Polls a condition until it holds or a deadline passes: how the launchers wait for a server
 * to accept connections or to exit. Bounded, and the deadline is a named outcome (false),
 * never a hang.
 */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
