/**
 * The worker-thread entry of the server's run pool (piscina). It loads faultline's run task:
 * compiled JavaScript in the installed package, or the TypeScript sources in the repository
 * (Node 20 cannot load .ts files in a worker on its own, so tsx's loader is registered first).
 * A task is a validated RunTask (with the module of a user's scenario, loaded first) and the
 * `port` the trace goes back on: each batch of events as soon as it is computed (so the
 * server can stream a run while it runs), then `{ end: true }`. The answer is { ok: true,
 * summary } or { ok: false, name, message } — errors travel as data so their kind survives
 * the thread boundary.
 */
import { existsSync } from 'node:fs';

const compiled = existsSync(new URL('../wire/run-task.js', import.meta.url));
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const ext = compiled ? 'js' : 'ts';
const { streamRun } = await import(`../wire/run-task.${ext}`);
const { ensureModule } = await import(`../catalog/scenario-modules.${ext}`);

export default async function run({ port, ...task }) {
  try {
    // A user's scenario (serve --scenarios): load its module, once per version, in this thread.
    await ensureModule(task.module);
    const summary = streamRun(task, (batch) => port.postMessage(batch, [batch.offsets.buffer, batch.times.buffer]));
    return { ok: true, summary };
  } catch (error) {
    return { ok: false, name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  } finally {
    port.postMessage({ end: true });
    port.close();
  }
}
