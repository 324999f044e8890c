/**
 * TcpReceiver: what a server reached over TCP (a database, a Redis) gets from its transport.
 * The network below may deliver a packet twice; TCP hands each byte to the application once,
 * so a duplicated request never reaches the server twice. (A request sent twice — a client's
 * retry — is a new request, and reaches it twice: that is the application's to handle.)
 *
 * In the simulation a duplicated message is delivered as the very same object, so the
 * receiver tells a duplicate by identity. It lives as long as the server's incarnation (a
 * restart opens new connections), so it keeps at most one run's requests; a plain Set is
 * several times cheaper per message than a WeakSet, and this is on every request's path.
 */
export class TcpReceiver {
  private readonly delivered = new Set<object>();
  /** Duplicates the transport dropped. */
  dropped = 0;

  /** True the first time `msg` arrives, false for a duplicate of it. */
  firstDelivery(msg: object): boolean {
    // One hash operation: adding a message already there leaves the size unchanged.
    const before = this.delivered.size;
    if (this.delivered.add(msg).size !== before) return true;
    this.dropped++;
    return false;
  }
}
