/**
 * Who may talk to this server, checked on every HTTP request and on the WebSocket upgrade.
 *
 * **Host allow-list (DNS rebinding).** A page on evil.example can make its own name resolve
 * to 127.0.0.1 and then talk to a local server "same-origin". Its requests still say
 * `Host: evil.example:PORT`, so only loopback names are accepted in `Host` — `localhost`,
 * `127.0.0.1`, `[::1]` — and the `--host` the server was given, as Vite and
 * webpack-dev-server do; anything else gets 403. The Origin of a browser's state-changing
 * request (a POST, the WebSocket upgrade) is checked against the same list and the server's
 * own port, never against the request's own Host (which the attacker chooses).
 *
 * **Remote exposure.** Listening beyond loopback needs `--allow-remote` (serve refuses
 * otherwise) and then a token on every request: `Authorization: Bearer T`, an
 * `x-faultline-token: T` header, `?token=T`, or the cookie a browser gets by opening
 * `/?token=T` once (HttpOnly, SameSite=Strict, one per port), so the page and its stream keep
 * working with no change. IP literals are then allowed in Host (rebinding needs a name; the
 * token stands guard anyway), plus names given with `--allowed-host`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export interface AccessOptions {
  /** The interface the server listens on (--host). */
  bindHost: string;
  /** Listening beyond loopback was asked for (--allow-remote). */
  allowRemote?: boolean;
  /** The token every request must carry (required with allowRemote; none on loopback unless given). */
  token?: string | null;
  /** More names accepted in Host with allowRemote (the machine's DNS name). */
  allowedHosts?: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for a name or address that stays on this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** A host as it appears in a URL's authority: IPv6 literals in brackets, lower case. */
function authorityName(host: string): string {
  const h = host.trim().toLowerCase();
  return isIP(h) === 6 ? `[${h}]` : h;
}

export class AccessPolicy {
  private readonly names: Set<string>;
  private readonly allowRemote: boolean;
  private readonly tokenDigest: Buffer | null;
  readonly token: string | null;

  constructor(options: AccessOptions) {
    this.allowRemote = options.allowRemote === true;
    this.token = options.token ?? null;
    if (this.allowRemote && this.token === null) throw new Error('AccessPolicy: allowRemote needs a token');
    this.tokenDigest = this.token === null ? null : digest(this.token);
    this.names = new Set(LOOPBACK_NAMES);
    const bind = authorityName(options.bindHost);
    if (bind !== '' && bind !== '0.0.0.0' && bind !== '[::]') this.names.add(bind);
    if (this.allowRemote) for (const name of options.allowedHosts ?? []) this.names.add(authorityName(name));
  }

  /** True when a token must come with every request. */
  get tokenRequired(): boolean {
    return this.tokenDigest !== null;
  }

  /** Whether a `Host` header (name and optional port) names this server. */
  hostAllowed(host: string | undefined): boolean {
    const hostname = hostnameOf(host);
    if (hostname === null) return false;
    if (this.names.has(hostname)) return true;
    return this.allowRemote && isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
  }

  /**
   * Whether a browser's Origin may act on this server: absent (not a browser), or one of the
   * allowed hosts on this server's own port (any port when remote, where a proxy may sit in front).
   */
  originAllowed(origin: string | undefined, port: number): boolean {
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (!this.hostAllowed(url.host)) return false;
    return this.allowRemote || Number(url.port || (url.protocol === 'https:' ? 443 : 80)) === port;
  }

  /** The cookie that carries the token for the page served on `port`. */
  cookieName(port: number): string {
    return `faultline_token_${port}`;
  }

  /** Whether the request carries the token (or none is needed). */
  tokenPresented(req: IncomingMessage): boolean {
    if (this.tokenDigest === null) return true;
    const port = req.socket.localPort ?? 0;
    const candidates = [
      bearer(req.headers.authorization),
      header(req.headers['x-faultline-token']),
      cookie(req.headers.cookie, this.cookieName(port)),
      queryToken(req.url),
    ];
    return candidates.some((t) => t !== null && this.matches(t));
  }

  /** Whether `text` is the token (compared in constant time). */
  matches(text: string): boolean {
    return this.tokenDigest !== null && timingSafeEqual(digest(text), this.tokenDigest);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The name part of a Host header (`name`, `name:port`, `[v6]:port`), lower case; null when malformed. */
function hostnameOf(host: string | undefined): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/i.exec(host ?? '');
  return m === null ? null : m[1]!.toLowerCase();
}

function bearer(value: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(value ?? '');
  return m === null ? null : m[1]!;
}

function header(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function cookie(value: string | undefined, name: string): string | null {
  for (const part of (value ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** `?token=` of a request URL, or null. */
export function queryToken(url: string | undefined): string | null {
  const q = (url ?? '').indexOf('?');
  if (q < 0) return null;
  return new URLSearchParams((url ?? '').slice(q + 1)).get('token');
}
