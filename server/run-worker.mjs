/**
 * The worker-thread entry of the server's run pool (piscina). Node 20 cannot load .ts files
 * in a worker on its own, so this registers tsx's loader first, then exposes the TypeScript
 * run task. A task is a validated RunTask (with the module of a user's scenario, loaded first); the answer is { ok: true, summary, json, offsets,
 * times } or { ok: false, name, message } — errors
 * travel as data so their kind survives the thread boundary.
 */
import { register } from 'tsx/esm/api';

register();
const { executeRun } = await import('../wire/run-task.ts');
const { ensureModule } = await import('../catalog/scenario-modules.ts');

export default async function run(task) {
  try {
    // A user's scenario (serve --scenarios): load its module, once per version, in this thread.
    await ensureModule(task.module);
    const out = executeRun(task);
    return { ok: true, summary: out.summary, json: out.json, offsets: out.offsets, times: out.times };
  } catch (error) {
    return { ok: false, name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  }
}
