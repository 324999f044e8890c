/**
 * Helpers for the server tests: a server in a child process (so its memory can be measured
 * apart from the test's), JSON requests, and ws clients that collect frames.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ServerFrame } from '../../wire/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildServer {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Starts `server/index.ts` on an ephemeral port of 127.0.0.1 in a child process. */
export function startChildServer(nodeArgs: string[] = []): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/index.ts', '--host', '127.0.0.1', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/serving (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          process: child,
          close: () =>
            new Promise<void>((ok) => {
              if (child.exitCode !== null) return ok();
              child.once('exit', () => ok());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

export async function postRun(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface Health {
  ok: boolean;
  runs: number;
  sessions: number;
  streamBufferedBytes: number;
  streamsWaiting: number;
  heapUsedBytes: number;
  externalBytes: number;
  rssBytes: number;
}

/** The server's health, after a garbage collection when the server allows one (--expose-gc). */
export async function health(url: string): Promise<Health> {
  const res = await fetch(`${url}/api/health?gc=1`);
  return (await res.json()) as Health;
}

/** A ws client that keeps every frame it receives. */
export class FrameClient {
  readonly frames: ServerFrame[] = [];
  readonly socket: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
      const client = new FrameClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves once `predicate` holds over the frames received (or rejects after `ms`). */
  until(predicate: (frames: ServerFrame[]) => boolean, ms = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; last frames: ${JSON.stringify(this.frames.slice(-3)).slice(0, 400)}`)), ms);
      const check = (): void => {
        if (predicate(this.frames)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  errors(): string[] {
    return this.frames.filter((f) => f.type === 'error').map((f) => (f as { message: string }).message);
  }

  close(): void {
    this.socket.terminate();
  }
}
