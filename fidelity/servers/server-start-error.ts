/**
 * ServerStartError: a live server the differential tests need could not be started (binary
 * missing, port taken, data directory refused). It is loud on purpose: a fidelity run without
 * its servers has proven nothing, so it must fail (exit code 3), never skip.
 */
export class ServerStartError extends Error {
  constructor(
    readonly server: string,
    reason: string,
  ) {
    super(`could not start ${server}: ${reason}`);
    this.name = 'ServerStartError';
  }
}
