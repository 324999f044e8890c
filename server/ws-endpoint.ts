/**
 * The `/ws` endpoint: one stream session per socket. Every frame is checked where it
 * enters: text only, valid JSON without prototype keys, a known frame type, fields as the
 * protocol says; anything else gets an error frame that names the problem, and nothing a
 * page sends can throw out of here.
 *
 * The upgrade passes the same access policy as every HTTP request (access-policy.ts): a
 * loopback or allowed name in Host, an Origin from the allow-list on this server's port,
 * the token when one is required. Connections are bounded per client and in all.
 *
 * Memory: a session keeps at most its high-water mark plus one batch unread (see
 * stream-session.ts), and error frames get the same budget — a socket that lets more than
 * that pile up unread is closed (1008), so a page spamming bad frames costs what a slow page
 * costs. A session whose run the store has to drop is told so and closed (4001): the run's
 * memory is counted by the store until then.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { CLIENT_FRAME_TYPES, ClientFrameSchema, type Divergence, describeIssues, type ErrorFrame, firstDivergence } from '../wire/index.ts';
import type { AccessPolicy } from './access-policy.ts';
import { clientKey } from './client-key.ts';
import { forbiddenKeyMessage, forbiddenKeyPath } from './forbidden-keys.ts';
import type { RunStore, StoredRun } from './run-store.ts';
import { StreamSession } from './stream-session.ts';

export interface StreamEndpointOptions {
  /** Largest frame a page may send, in bytes (default 16 KiB). */
  framePayloadMax?: number;
  /** Open sockets per client address (default 128). */
  socketsPerClientMax?: number;
  /** Open sockets in all (default 1,024). */
  socketsMax?: number;
  /** Close a socket whose unread output exceeds this (default: the session's bound, high-water mark plus one batch). */
  bufferedBytesMax?: number;
  highWaterBytes?: number;
  batchBytes?: number;
  tickMs?: number;
}

/** Close code of a session whose run the server had to drop. */
export const CLOSE_RUN_EVICTED = 4001;
const ERROR_MESSAGE_CHARS_MAX = 500;

export interface StreamEndpoint {
  readonly sessions: number;
  /** Bytes queued on every stream socket and not yet handed to the network. */
  readonly bufferedBytes: number;
  /** Sessions holding their playhead back because their page reads too slowly. */
  readonly waiting: number;
  close(): Promise<void>;
}

export function attachStreamEndpoint(server: Server, store: RunStore, access: AccessPolicy, options: StreamEndpointOptions = {}): StreamEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.framePayloadMax ?? 16 * 1024, perMessageDeflate: false });
  const perClient = new Map<string, number>();
  const socketsPerClientMax = options.socketsPerClientMax ?? 128;
  const socketsMax = options.socketsMax ?? 1024;
  const highWaterBytes = options.highWaterBytes ?? 512 * 1024;
  const batchBytes = options.batchBytes ?? 128 * 1024;
  const bufferedMax = options.bufferedBytesMax ?? highWaterBytes + batchBytes;
  const divergences = new Map<string, Divergence | null>();
  const sessions = new Map<StreamSession, WebSocket>();
  store.onEvict((run) => {
    for (const key of [...divergences.keys()]) if (key.split('|').includes(run.id)) divergences.delete(key);
    for (const [session, ws] of sessions) {
      if (!session.plays(run.id)) continue;
      session.close();
      const message = `run ${run.id} was dropped from the server's memory to make room for newer runs (its bound is ${Math.round(store.bytesMax / (1024 * 1024))} MB); start it again`;
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ type: 'error', message } satisfies ErrorFrame));
        ws.close(CLOSE_RUN_EVICTED, 'run dropped from memory; start it again');
      }
    }
  });
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
    const client = clientKey(req);
    const reject = (status: string, why = ''): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
    };
    if (!access.hostAllowed(req.headers.host)) return reject('403 Forbidden', 'this host name is not allowed (DNS rebinding protection)');
    if (!access.originAllowed(req.headers.origin, req.socket.localPort ?? 0)) return reject('403 Forbidden', 'cross-origin stream refused');
    if (!access.tokenPresented(req)) return reject('401 Unauthorized', 'this server needs its access token');
    if (path !== '/ws') return reject('404 Not Found');
    if ((perClient.get(client) ?? 0) >= socketsPerClientMax || wss.clients.size >= socketsMax) return reject('429 Too Many Requests');
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
      lookupLive: (id) => store.live.get(id),
      hold: (run) => store.hold(run),
      divergence,
      highWaterBytes,
      batchBytes,
      tickMs: options.tickMs,
    });
    const fail = (message: string): void => {
      if (ws.readyState !== ws.OPEN) return;
      const frame: ErrorFrame = {
        type: 'error',
        message: message.length > ERROR_MESSAGE_CHARS_MAX ? `${message.slice(0, ERROR_MESSAGE_CHARS_MAX - 1)}…` : message,
      };
      const text = JSON.stringify(frame);
      if (ws.bufferedAmount + text.length > bufferedMax) {
        ws.close(1008, 'too many unread frames');
        return;
      }
      ws.send(text);
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
        const forbidden = forbiddenKeyPath(value, 'frame');
        if (forbidden !== null) return fail(forbiddenKeyMessage(forbidden));
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
    sessions.set(session, ws);
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
      for (const s of sessions.keys()) if (s.waiting) n++;
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
