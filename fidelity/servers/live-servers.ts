/**
 * The servers this process has started and not yet stopped, so that an interrupted run
 * (Ctrl-C, a failed assertion, an uncaught error) still kills every one of them before it
 * exits: a fidelity run never leaves a redis-server or a postmaster behind.
 */

interface Killable {
  killNow(): void;
}

const live = new Set<Killable>();

export function registerServer(server: Killable): void {
  live.add(server);
}

export function unregisterServer(server: Killable): void {
  live.delete(server);
}

/** Kills every live server at once, synchronously (safe in an exit handler). */
export function killAllServers(): void {
  for (const server of live) server.killNow();
  live.clear();
}
