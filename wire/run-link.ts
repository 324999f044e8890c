/**
 * A run as a link: scenario, strategy, seed, parameters and fault plan in a URL fragment,
 * so that opening it reproduces the run exactly (the page shows the same trace hash as
 * `faultline run ... --json`). Shared by the CLI (which prints links for counterexamples)
 * and the web app (which reads them). Parameters are only those that differ from defaults.
 *
 * Format: `<base>/#/run?scenario=ID&strategy=ID&seed=N&params=<json>&faults=<json>`, with the
 * JSON values URI-encoded. A comparison adds `&compare=STRATEGY`.
 */
import type { FaultPlan } from '../engine/index.ts';

export interface RunLink {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  /** A second strategy to show side by side. */
  compare?: string;
}

export function encodeRunLink(link: RunLink, base = 'http://127.0.0.1:8080'): string {
  const q = new URLSearchParams();
  q.set('scenario', link.scenario);
  q.set('strategy', link.strategy);
  q.set('seed', String(link.seed));
  if (Object.keys(link.params).length > 0) q.set('params', JSON.stringify(link.params));
  q.set('faults', JSON.stringify(link.faults));
  if (link.compare !== undefined) q.set('compare', link.compare);
  return `${base.replace(/\/$/, '')}/#/run?${q.toString()}`;
}

/** Reads a run link (a full URL or just its fragment). Values are not validated here: validate them where they enter. */
export function decodeRunLink(url: string): Partial<RunLink> & { raw: Record<string, string> } {
  const hash = url.includes('#') ? url.slice(url.indexOf('#') + 1) : url;
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  const q = new URLSearchParams(query);
  const raw = Object.fromEntries(q.entries());
  const out: Partial<RunLink> & { raw: Record<string, string> } = { raw };
  if (raw.scenario) out.scenario = raw.scenario;
  if (raw.strategy) out.strategy = raw.strategy;
  if (raw.seed !== undefined) out.seed = Number(raw.seed);
  if (raw.params) out.params = JSON.parse(raw.params);
  if (raw.faults) out.faults = JSON.parse(raw.faults);
  if (raw.compare) out.compare = raw.compare;
  return out;
}

/** Parameters that differ from the defaults (what a link or a replay command needs to carry). */
export function nonDefaultParams(params: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (JSON.stringify(v) !== JSON.stringify(defaults[k])) out[k] = v;
  return out;
}
