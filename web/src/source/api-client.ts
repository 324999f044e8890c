/** The server's JSON API as the page calls it. */

import type { ScenarioInfo } from '../../../scenarios/index.ts';
import type { ApiError, RunPreview, RunRequestBody, RunSummary } from '../../../wire/index.ts';

/** A request the server refused, with its message (which names the field). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
}

/** The scenarios, or null when no faultline server answers (a static copy of the page). */
export async function fetchScenarios(): Promise<ScenarioInfo[] | null> {
  try {
    const res = await fetch('api/scenarios', { headers: { accept: 'application/json' } });
    if (!res.ok) return null;
    const body = (await res.json()) as { scenarios: ScenarioInfo[] };
    return Array.isArray(body.scenarios) ? body.scenarios : null;
  } catch {
    return null;
  }
}

/**
 * Starts a run on the server. With `stream`, the server answers as soon as it has taken the
 * run (202, with its preview) and the run is streamed over /ws while it computes; without,
 * once it is complete (201, with its summary).
 */
export async function startRun(request: RunRequestBody, signal?: AbortSignal, stream = false): Promise<RunSummary | RunPreview> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (stream) headers.prefer = 'respond-async';
  const res = await fetch('api/runs', { method: 'POST', headers, body: JSON.stringify(request), signal });
  const body = (await res.json().catch(() => ({ error: 'bad-response', message: `the server answered ${res.status} without JSON` }))) as
    | { run: RunSummary | RunPreview }
    | ApiError;
  if (!res.ok || !('run' in body)) throw new ApiFailure(res.status, body as ApiError);
  return body.run;
}

/** The ws URL of the stream endpoint next to this page. */
export function streamUrl(): string {
  const url = new URL('ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
