/**
 * The `/ws` endpoint: one stream session per socket. Every frame is checked where it
 * enters: text only, valid JSON, a known frame type, fields as the protocol says; anything
 * else gets an error frame that names the problem, and nothing a page sends can throw out
 * of here. Browsers may only connect from this server's own pages (Origin must match Host),
 * connections per client are bounded, and a socket that lets error frames pile up unread is
 * closed rather than buffered without end.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { CLIENT_FRAME_TYPES, ClientFrameSchema, type Divergence, describeIssues, type ErrorFrame, firstDivergence } from '../wire/index.ts';
import type { RunStore, StoredRun } from './run-store.ts';
import { StreamSession } from './stream-session.ts';

export interface StreamEndpointOptions {
  /** Largest frame a page may send, in bytes (default 16 KiB). */
  framePayloadMax?: number;
  /** Open sockets per client address (default 128). */
  socketsPerClientMax?: number;
  /** Close a socket whose unread output exceeds this (default 8 MiB). */
  bufferedBytesMax?: number;
  highWaterBytes?: number;
  tickMs?: number;
}

export interface StreamEndpoint {
  readonly sessions: number;
  /** Bytes queued on every stream socket and not yet handed to the network. */
  readonly bufferedBytes: number;
  /** Sessions holding their playhead back because their page reads too slowly. */
  readonly waiting: number;
  close(): Promise<void>;
}

export function attachStreamEndpoint(server: Server, store: RunStore, options: StreamEndpointOptions = {}): StreamEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.framePayloadMax ?? 16 * 1024, perMessageDeflate: false });
  const perClient = new Map<string, number>();
  const socketsMax = options.socketsPerClientMax ?? 128;
  const bufferedMax = options.bufferedBytesMax ?? 8 * 1024 * 1024;
  const divergences = new Map<string, Divergence | null>();
  const sessions = new Set<StreamSession>();
  const divergence = (a: StoredRun, b: StoredRun): Divergence | null => {
    const key = `${a.id}|${b.id}`;
    if (!divergences.has(key)) {
      if (divergences.size >= 64) divergences.delete(divergences.keys().next().value!);
      divergences.set(key, firstDivergence(a, b));
    }
    return divergences.get(key)!;
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    const client = req.socket.remoteAddress ?? 'unknown';
    const reject = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== '/ws') return reject('404 Not Found');
    if (!sameOrigin(req)) return reject('403 Forbidden');
    if ((perClient.get(client) ?? 0) >= socketsMax) return reject('429 Too Many Requests');
    wss.handleUpgrade(req, socket, head, (ws) => {
      perClient.set(client, (perClient.get(client) ?? 0) + 1);
      ws.once('close', () => {
        const n = (perClient.get(client) ?? 1) - 1;
        if (n <= 0) perClient.delete(client);
        else perClient.set(client, n);
      });
      serve(ws);
    });
  };

  const serve = (ws: WebSocket): void => {
    const session = new StreamSession(ws, {
      lookup: (id) => store.get(id),
      divergence,
      highWaterBytes: options.highWaterBytes,
      tickMs: options.tickMs,
    });
    const fail = (message: string): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > bufferedMax) {
        ws.close(1008, 'too many unread frames');
        return;
      }
      const frame: ErrorFrame = { type: 'error', message };
      ws.send(JSON.stringify(frame));
    };
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) return fail('frames are JSON text, not binary');
        const text = data.toString();
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          return fail(`frame is not valid JSON (${(e as Error).message.slice(0, 120)})`);
        }
        const type = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
        if (typeof type !== 'string') return fail(`frame needs a "type", one of: ${CLIENT_FRAME_TYPES.join(', ')}`);
        if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
          return fail(`unknown frame type ${JSON.stringify(type.slice(0, 40))}; frame types are: ${CLIENT_FRAME_TYPES.join(', ')}`);
        }
        const parsed = ClientFrameSchema.safeParse(value);
        if (!parsed.success) return fail(`bad '${type}' frame: ${describeIssues(parsed.error, 'frame').message}`);
        const problem = session.handle(parsed.data);
        if (problem !== null) fail(problem);
      } catch (error) {
        fail(`the server could not handle that frame: ${(error as Error).message}`);
      }
    });
    sessions.add(session);
    const end = (): void => {
      session.close();
      sessions.delete(session);
    };
    ws.on('error', end);
    ws.on('close', end);
  };

  server.on('upgrade', onUpgrade);
  return {
    get sessions() {
      return wss.clients.size;
    },
    get waiting() {
      let n = 0;
      for (const s of sessions) if (s.waiting) n++;
      return n;
    },
    get bufferedBytes() {
      let total = 0;
      for (const ws of wss.clients) total += ws.bufferedAmount;
      return total;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A browser's Origin must name this server; clients that send no Origin (tools, tests) are not browsers. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
