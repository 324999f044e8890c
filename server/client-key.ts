/**
 * The client a request counts against, for fair admission (admission.ts): the peer's
 * address, with IPv4-mapped IPv6 (`::ffff:127.0.0.1`) unwrapped so one client has one key.
 *
 * An address is a weak identity, and the admission policy does not lean on it for what
 * matters. One local process can speak from 127.0.0.2, .3, ... .9 (all of 127.0.0.0/8 is
 * this machine) and so hold eight keys; behind a NAT many people share one. A self-declared
 * id (a header, a cookie) would be weaker still: any script can mint a thousand. What keeps
 * a small run prompt while others flood is therefore not the key but the cost: unknown and
 * cheap runs have a worker of their own (the light lane) that heavy runs never take, every
 * run is charged its estimated cost, and a full queue drops work from whoever holds the most.
 * The key only spreads what remains fairly — and a flood from eight addresses gets at most
 * eight shares of the heavy lane, never the light one.
 */
import type { IncomingMessage } from 'node:http';

export function clientKey(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
