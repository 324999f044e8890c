/**
 * The worker-thread entry of the server's run pool (piscina). Node 20 cannot load .ts files
 * in a worker on its own, so this registers tsx's loader first, then exposes the TypeScript
 * run task. A task is a validated RunTask; the answer is { ok: true, summary, json, offsets,
 * times } or { ok: false, name, message } — errors
 * travel as data so their kind survives the thread boundary.
 */
import { register } from 'tsx/esm/api';

register();
const { executeRun } = await import('../wire/run-task.ts');

export default function run(task) {
  try {
    const out = executeRun(task);
    return { ok: true, summary: out.summary, json: out.json, offsets: out.offsets, times: out.times };
  } catch (error) {
    return { ok: false, name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  }
}
