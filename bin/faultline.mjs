#!/usr/bin/env node
// The faultline command. Installed from the package, it runs the compiled JavaScript in dist/;
// in the repository (no dist/), it runs the TypeScript sources through tsx, and Node resolves
// the package's own exports to those sources (the `source` condition), so a user's scenario
// module that imports 'faultline/scenarios' works in both.
//
// `check` and `bench` run scenarios on a pool of worker threads, one per core. V8 would also
// compile and collect garbage on background threads of its own, so one worker would quietly
// use a second core and K workers would fight over K cores. These commands therefore run with
// V8's single-threaded JIT and GC (flags V8 accepts only at start-up, hence the re-exec): each
// worker uses exactly one core, and K workers scale to K cores.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const POOL_FLAGS = ['--no-concurrent-recompilation', '--single-threaded-gc', '--max-semi-space-size=64'];
const SOURCE_CONDITION = '--conditions=source';
const command = process.argv[2];
const compiled = new URL('../dist/cli/main.js', import.meta.url);
// The sources win where they exist (the repository; a dist/ left by npm pack may be stale);
// the published package ships dist/ only.
const fromSources = existsSync(new URL('../cli/main.ts', import.meta.url));

const flags = [];
if ((command === 'check' || command === 'bench') && process.env.FAULTLINE_POOL_PROCESS !== '1') flags.push(...POOL_FLAGS);
if (fromSources && !process.execArgv.includes(SOURCE_CONDITION)) flags.push(SOURCE_CONDITION);

if (flags.length > 0) {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FAULTLINE_POOL_PROCESS: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} else if (fromSources) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
} else {
  await import(compiled.href);
}
