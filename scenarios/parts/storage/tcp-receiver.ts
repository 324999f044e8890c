/**
 * TcpReceiver: what a server reached over TCP (a database, a Redis) gets from its transport.
 * The network below may deliver a packet twice; TCP hands each byte to the application once,
 * so a duplicated request never reaches the server twice. (A request sent twice — a client's
 * retry — is a new request, and reaches it twice: that is the application's to handle.)
 *
 * In the simulation a duplicated message is delivered as the very same object, so the
 * receiver tells a duplicate by identity; it holds the requests weakly, so it costs no memory
 * once they are handled.
 */
export class TcpReceiver {
  private readonly delivered = new WeakSet<object>();
  /** Duplicates the transport dropped. */
  dropped = 0;

  /** True the first time `msg` arrives, false for a duplicate of it. */
  firstDelivery(msg: object): boolean {
    if (this.delivered.has(msg)) {
      this.dropped++;
      return false;
    }
    this.delivered.add(msg);
    return true;
  }
}
