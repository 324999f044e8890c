// The pool's worker file. Worker threads do not inherit the main thread's tsx registration
// (bin/faultline.mjs registers it programmatically), so each worker registers tsx itself
// before it loads the TypeScript worker on its first task.
import { register } from 'tsx/esm/api';

register();

let handler;

export default async function run(task) {
  handler ??= (await import('./worker.ts')).default;
  return handler(task);
}
