/**
 * A run as a link: scenario, strategy, seed, parameters and fault plan (or the preset that
 * makes it) in a URL fragment, so that opening it reproduces the run exactly (the page shows
 * the same trace hash as `faultline run ... --json`). Shared by the CLI (which prints links
 * for runs and counterexamples) and the web app (which reads and writes them). Parameters
 * are only those that differ from defaults.
 *
 * Format: `<base>/#/run?scenario=ID&strategy=ID&seed=N&params=<json>&faults=<json>`, with the
 * JSON values URI-encoded; `preset=ID` may stand in place of `faults` (resolved at the
 * link's parameters, as `--preset` is). Optional: `hash=HEX` (the trace hash the run is
 * expected to have: the page compares its own with it), `compare=STRATEGY` or
 * `compareSeed=N` (a second run), `compareHash=HEX`, `t=MS` (the cursor), `engine=page`.
 *
 * Decoding gives the fields as text, unchecked: wire/run-input.ts checks them.
 */
import type { FaultPlan } from '../engine/index.ts';

export interface RunLink {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  /** The plan; absent when `preset` names it instead. */
  faults?: FaultPlan;
  /** The preset the plan comes from, resolved at `params` by whoever opens the link. */
  preset?: string;
  /** A second strategy to show side by side. */
  compare?: string;
  /** A second seed to show side by side (instead of a second strategy). */
  compareSeed?: number;
  /** The trace hash the run is expected to have (the CLI's), and the second run's. */
  hash?: string;
  compareHash?: string;
  /** Where the cursor stands, in simulated ms. */
  t?: number;
  /** Run in the page's own engine rather than on the server. */
  engine?: 'page';
}

/** The keys a run link may carry, in the order they are written. */
export const RUN_LINK_KEYS = [
  'scenario',
  'strategy',
  'seed',
  'params',
  'faults',
  'preset',
  'compare',
  'compareSeed',
  'hash',
  'compareHash',
  't',
  'engine',
] as const;
export type RunLinkKey = (typeof RUN_LINK_KEYS)[number];

export function encodeRunLink(link: RunLink, base = 'http://127.0.0.1:8080'): string {
  const q = new URLSearchParams();
  q.set('scenario', link.scenario);
  q.set('strategy', link.strategy);
  q.set('seed', String(link.seed));
  if (Object.keys(link.params).length > 0) q.set('params', JSON.stringify(link.params));
  if (link.faults !== undefined || link.preset === undefined) q.set('faults', JSON.stringify(link.faults ?? []));
  else q.set('preset', link.preset);
  if (link.compare !== undefined) q.set('compare', link.compare);
  if (link.compareSeed !== undefined) q.set('compareSeed', String(link.compareSeed));
  if (link.hash !== undefined) q.set('hash', link.hash);
  if (link.compareHash !== undefined) q.set('compareHash', link.compareHash);
  if (link.t !== undefined) q.set('t', String(link.t));
  if (link.engine !== undefined) q.set('engine', link.engine);
  return `${base.replace(/\/$/, '')}/#/run?${q.toString()}`;
}

/** The fields of a link as text, unchecked (a full URL or just its fragment). */
export function runLinkFields(url: string): Record<string, string> {
  const hash = url.includes('#') ? url.slice(url.indexOf('#') + 1) : url;
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = v;
  return out;
}

/** Reads a run link. Values are parsed but not validated: validate them where they enter (wire/run-input.ts). */
export function decodeRunLink(url: string): Partial<RunLink> & { raw: Record<string, string> } {
  const raw = runLinkFields(url);
  const out: Partial<RunLink> & { raw: Record<string, string> } = { raw };
  if (raw.scenario) out.scenario = raw.scenario;
  if (raw.strategy) out.strategy = raw.strategy;
  if (raw.seed !== undefined) out.seed = Number(raw.seed);
  if (raw.params) out.params = JSON.parse(raw.params);
  if (raw.faults) out.faults = JSON.parse(raw.faults);
  if (raw.preset) out.preset = raw.preset;
  if (raw.compare) out.compare = raw.compare;
  if (raw.hash) out.hash = raw.hash;
  return out;
}

/** Parameters that differ from the defaults (what a link or a replay command needs to carry). */
export function nonDefaultParams(params: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (JSON.stringify(v) !== JSON.stringify(defaults[k])) out[k] = v;
  return out;
}
