/**
 * `faultline new <id> [--dir D] [--json]`: scaffolds a scenario of the user's own — the lease
 * lock with fencing tokens of examples/lease-lock (one flawed strategy with its declared flaw,
 * one sound one, an invariant, a preset, a fault space, comments that teach the API), renamed
 * to <id>, and the vitest test that checks it — then prints the next commands to try. The
 * template is a real, tested scenario, so a fresh scaffold runs and checks as documented.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../../catalog/package-root.ts';
import { InputError } from '../../engine/index.ts';
import { scenarios } from '../../scenarios/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { printJson, printResult, runnable } from '../output.ts';

interface NewOptions {
  dir: string;
  force?: boolean;
  json?: boolean;
}

const ID = /^[a-z][a-z0-9-]{1,63}$/;
const TEMPLATE_ID = 'lease-lock';

export function registerNew(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('new')
    .description('scaffold a scenario of your own (a runnable example with a flawed and a sound strategy) and its test')
    .argument('<id>', 'the scenario id: lower-case letters, digits and dashes, starting with a letter (e.g. lease-demo)')
    .option('--dir <folder>', 'where to write the files', '.')
    .option('--force', 'overwrite files that exist')
    .option('--json', 'print one JSON object ({scenario, module, files}) on stdout')
    .action((id: string, opts: NewOptions) => run(async () => scaffold(id, opts)));
}

function camel(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The template's text for scenario `id`. */
function fromTemplate(file: string, id: string): string {
  const text = readFileSync(path.join(packageRoot(), 'examples', TEMPLATE_ID, file), 'utf8');
  return text.replaceAll(TEMPLATE_ID, id).replaceAll(camel(TEMPLATE_ID), camel(id));
}

/** A path as a command takes it: relative, with a slash, so it reads as a module and not an id. */
function asModulePath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.startsWith('.') || path.isAbsolute(relative) ? relative : `./${relative}`;
}

/**
 * `.ts` where the folder's package is an ES module package (`"type": "module"`), else `.mts`:
 * a `.ts` file in a CommonJS package would be loaded as CommonJS, and faultline is ESM only.
 */
function extensionFor(dir: string): '.ts' | '.mts' {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module' ? '.ts' : '.mts';
    if (path.dirname(d) === d) return '.mts';
  }
}

function scaffold(id: string, opts: NewOptions): ExitCode {
  if (!ID.test(id))
    throw new InputError(`scenario id '${id}' must be lower-case letters, digits and dashes, starting with a letter (2-64 characters), e.g. lease-demo`);
  if (scenarios.some((s) => s.id === id)) throw new InputError(`'${id}' is a built-in scenario's id; choose another`);
  const ext = extensionFor(opts.dir);
  const module = path.join(opts.dir, `${id}${ext}`);
  const test = path.join(opts.dir, `${id}.test${ext}`);
  for (const file of [module, test]) {
    if (existsSync(file) && !opts.force) throw new InputError(`${file} exists; choose another id or --dir, or add --force to overwrite it`);
  }
  mkdirSync(opts.dir, { recursive: true });
  for (const [file, template] of [
    [module, `${TEMPLATE_ID}.ts`],
    [test, `${TEMPLATE_ID}.test.ts`],
  ] as const) {
    const out = AtomicFile.open(file, 'the scaffolded scenario');
    out.write(fromTemplate(template, id).replaceAll(`'./${id}.ts'`, `'./${id}${ext}'`));
    out.commit();
  }
  const modulePath = asModulePath(module);
  const files = [modulePath, asModulePath(test)];
  if (opts.json) printJson({ scenario: id, module: modulePath, files });
  else {
    printResult(
      [
        `wrote ${files.join(' and ')}: a lease lock with fencing tokens, as scenario '${id}'.`,
        '',
        'next:',
        `  ${runnable(`faultline run ${modulePath} --strategy no-fencing`)}     # one run, its verdict and its replay line`,
        `  ${runnable(`faultline check ${modulePath} --all`)}                  # the checker finds the flaw and shrinks it`,
        `  ${runnable(`faultline serve --scenarios ${modulePath} --watch`)}    # watch it in the browser; saving the file reloads it`,
        '',
        `Its test runs with vitest (npm install --save-dev vitest; npx vitest run ${asModulePath(test)}). ${path.relative(process.cwd(), path.join(packageRoot(), 'docs', 'writing-scenarios.md'))} teaches the API.`,
      ].join('\n'),
    );
  }
  return EXIT.held;
}
