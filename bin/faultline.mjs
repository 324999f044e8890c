#!/usr/bin/env node
// The faultline command. The sources are TypeScript; tsx compiles them on the fly (Node 20
// cannot strip types), so there is no build step between a clone and a run.
//
// `check` and `bench` run scenarios on a pool of worker threads, one per core. V8 would also
// compile and collect garbage on background threads of its own, so one worker would quietly
// use a second core and K workers would fight over K cores. These commands therefore run with
// V8's single-threaded JIT and GC (flags V8 accepts only at start-up, hence the re-exec): each
// worker uses exactly one core, and K workers scale to K cores.
import { spawn } from 'node:child_process';

const POOL_FLAGS = ['--no-concurrent-recompilation', '--single-threaded-gc', '--max-semi-space-size=64'];
const command = process.argv[2];

if ((command === 'check' || command === 'bench') && process.env.FAULTLINE_POOL_PROCESS !== '1') {
  const child = spawn(process.execPath, [...POOL_FLAGS, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FAULTLINE_POOL_PROCESS: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
