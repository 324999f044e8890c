/**
 * A keyspace as seen from outside: for each key, its type, value and absolute expiry time.
 * The persistence comparison reads one from the restarted server (TYPE, GET or LRANGE,
 * PEXPIRETIME, between two TIME reads) and one from the model, and compares them key by key.
 *
 * Expiry times from relative spans differ by the lag the runner measured, so they are
 * compared within it; a key whose expiry falls within that tolerance of the moment the
 * server was read may be either alive or gone there, and is counted as undecidable instead
 * of compared.
 */
import type { Redis } from 'ioredis';
import type { CacheStore } from '../../scenarios/parts/cache/cache-store.ts';
import { textOf } from './redis-reply.ts';

export interface KeyView {
  type: 'string' | 'list';
  value: string | string[];
  /** Absolute expiry in ms, or null for none. */
  expiresAtMs: number | null;
}

export interface ServerView {
  keys: Map<string, KeyView>;
  /** The server's time just before and just after the read. */
  fromMs: number;
  toMs: number;
}

export async function readServerView(client: Redis, keys: readonly string[]): Promise<ServerView> {
  const pipeline = client.pipeline().time();
  for (const key of keys) pipeline.type(key).get(key).call('lrange', key, '0', '-1').call('pexpiretime', key);
  pipeline.time();
  const results = ((await pipeline.exec()) ?? []).map(([error, value]) => (error ? null : value));
  const msOf = (t: unknown): number => Number((t as string[])[0]) * 1000 + Math.floor(Number((t as string[])[1]) / 1000);
  const view = new Map<string, KeyView>();
  keys.forEach((key, i) => {
    const [type, value, list, expireTime] = results.slice(1 + 4 * i, 5 + 4 * i);
    if (type !== 'string' && type !== 'list') return;
    const at = Number(expireTime);
    view.set(key, { type, value: type === 'list' ? (list as string[]) : (value as string), expiresAtMs: at < 0 ? null : at });
  });
  return { keys: view, fromMs: msOf(results[0]), toMs: msOf(results.at(-1)) + 1 };
}

export function modelView(store: CacheStore, keys: readonly string[], nowMs: number): Map<string, KeyView> {
  const view = new Map<string, KeyView>();
  for (const key of keys) {
    const value = store.peek(key, nowMs);
    if (value === null) continue;
    const remaining = store.execute({ op: 'pttl', key }, nowMs).n!;
    const list = Array.isArray(value);
    view.set(key, {
      type: list ? 'list' : 'string',
      value: list ? value.map((v) => textOf(v)!) : textOf(value)!,
      expiresAtMs: remaining < 0 ? null : nowMs + remaining,
    });
  }
  return view;
}

export interface ViewComparison {
  differences: string[];
  /** Keys whose expiry fell too close to the read to say whether they should be there. */
  undecidable: number;
}

export function compareViews(server: ServerView, model: Map<string, KeyView>, keys: readonly string[], toleranceMs: number): ViewComparison {
  const differences: string[] = [];
  let undecidable = 0;
  for (const key of keys) {
    const s = server.keys.get(key);
    const m = model.get(key);
    const expiry = m?.expiresAtMs ?? s?.expiresAtMs ?? null;
    if (expiry !== null && expiry >= server.fromMs - toleranceMs && expiry <= server.toMs + toleranceMs) {
      undecidable++;
      continue;
    }
    const why = differenceOf(s, m, toleranceMs);
    if (why !== null) differences.push(`${key}: ${why}`);
  }
  return { differences, undecidable };
}

function differenceOf(server: KeyView | undefined, model: KeyView | undefined, toleranceMs: number): string | null {
  if (server === undefined || model === undefined) return server === model ? null : `model ${show(model)}, server ${show(server)}`;
  if (server.type !== model.type || JSON.stringify(server.value) !== JSON.stringify(model.value)) return `model ${show(model)}, server ${show(server)}`;
  if ((server.expiresAtMs === null) !== (model.expiresAtMs === null)) return `model expires at ${model.expiresAtMs}, server at ${server.expiresAtMs}`;
  if (server.expiresAtMs !== null && Math.abs(server.expiresAtMs - model.expiresAtMs!) > toleranceMs) {
    return `model expires at ${model.expiresAtMs}, server at ${server.expiresAtMs} (± ${toleranceMs})`;
  }
  return null;
}

function show(view: KeyView | undefined): string {
  return view === undefined ? 'no key' : JSON.stringify(view);
}
