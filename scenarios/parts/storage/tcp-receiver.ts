/**
 * TcpReceiver: what a server reached over TCP (a database, a Redis) gets from its transport.
 * The network below may deliver a packet twice; TCP hands each byte to the application once,
 * so a duplicated request never reaches the server twice. (A request sent twice, a client's
 * retry, is a new request, and reaches it twice: that is the application's to handle.)
 *
 * The kernel knows which deliveries are copies the network made (`ctx.redelivered`), so the
 * receiver keeps nothing per request: it used to keep every request of the incarnation in a
 * set to tell a copy by identity, a few percent of a cache check and all of it kept alive.
 */
export class TcpReceiver {
  /** Duplicates the transport dropped. */
  dropped = 0;

  constructor(private readonly ctx: { readonly redelivered: boolean }) {}

  /** True unless the message being handled is a copy of one this incarnation already received. */
  firstDelivery(): boolean {
    if (!this.ctx.redelivered) return true;
    this.dropped++;
    return false;
  }
}
