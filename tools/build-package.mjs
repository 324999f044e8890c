// Builds what the published package runs (npm run build, run by prepack): the TypeScript
// compiled to dist/ with type declarations (tsconfig.build.json), the .mjs entries the
// compiler does not copy, and the web app built into dist/web/dist where the compiled server
// looks for it. Nothing built is committed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });
run([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
for (const file of ['server/run-worker.mjs', 'bench/bare-loop.mjs']) cpSync(path.join(root, file), path.join(dist, file));
run([
  path.join(root, 'node_modules/vite/bin/vite.js'),
  'build',
  '--config',
  'web/vite.config.ts',
  '--outDir',
  path.join(dist, 'web', 'dist'),
  '--emptyOutDir',
  '--logLevel',
  'warn',
]);
if (!existsSync(path.join(dist, 'cli', 'main.js'))) throw new Error('the build produced no dist/cli/main.js');
console.log(`built ${path.relative(process.cwd(), dist)}`);
