/**
 * A user's own scenarios, loaded from their modules: `.ts`, `.mts`, `.js` or `.mjs` files that
 * export one or more scenarios (values made by `defineScenario`), or folders of such files.
 * TypeScript loads with no build step (tsx's loader, registered on first need, with source
 * maps, so a stack points at the user's line). Each scenario is put in the registry with the
 * module it came from, so every command, the check pool's workers and the server's find it by
 * its id exactly as they find a built-in.
 *
 * A scenario reference on the command line is a built-in id, a module path (which must then
 * export exactly one scenario), or `path#id` to pick one of several. Node only: the CLI, the
 * server and their worker threads load modules; the page gets the scenarios from the server.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../engine/index.ts';
import { type AnyScenario, findScenario, registerScenario } from '../scenarios/index.ts';
import { packageRoot } from './package-root.ts';

/** Extensions a scenario module may have. */
export const MODULE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.js', '.mjs'];

/** Where a user scenario came from: the path as the user gave it and the file it names. */
export interface ModuleRef {
  /** As given (relative to the working directory), for replay lines and messages. */
  label: string;
  /** Absolute path of the file. */
  file: string;
  /** Changes when the file is reloaded after an edit (its modification time). */
  version: number;
}

let tsxRegistered = false;

/** Registers tsx's loader in this thread (once), so `.ts` modules import like JavaScript. */
async function registerTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  process.setSourceMapsEnabled(true);
  tsxRegistered = true;
}

/** True when a reference names a module file rather than a built-in id. */
export function isModulePath(ref: string): boolean {
  const file = ref.split('#')[0]!;
  return file.includes('/') || file.includes(path.sep) || MODULE_EXTENSIONS.some((ext) => file.endsWith(ext));
}

function isScenario(value: unknown): value is AnyScenario {
  const v = value as Partial<AnyScenario> | null;
  return v !== null && typeof v === 'object' && typeof v.id === 'string' && typeof v.build === 'function' && Array.isArray(v.strategies);
}

/** Resolves a module path given by the user to its file, refusing what cannot be a scenario module. */
export function moduleRef(label: string): ModuleRef {
  const file = path.resolve(label);
  if (!existsSync(file)) throw new InputError(`no such scenario module '${label}' (looked for ${file})`);
  if (!MODULE_EXTENSIONS.includes(path.extname(file))) {
    throw new InputError(`'${label}' is not a scenario module: expected a file ending in ${MODULE_EXTENSIONS.join(', ')}`);
  }
  return { label, file, version: Math.floor(statSync(file).mtimeMs) };
}

/**
 * Imports a module (again, after an edit: the version makes a fresh import), registers every
 * scenario it exports, and returns them. A module that exports none is refused, naming it.
 */
export async function loadScenarioModule(ref: ModuleRef): Promise<AnyScenario[]> {
  if (ref.file.endsWith('.ts') || ref.file.endsWith('.mts')) await registerTypeScript();
  let exported: Record<string, unknown>;
  try {
    exported = (await import(`${pathToFileURL(ref.file).href}?v=${ref.version}`)) as Record<string, unknown>;
  } catch (error) {
    const e = error as Error;
    if (e instanceof InputError) throw e;
    throw new ModuleLoadError(ref.label, e);
  }
  const found = Object.values(exported).filter(isScenario);
  if (found.length === 0) throw new InputError(`${ref.label} exports no scenario (export the value defineScenario(...) returns)`);
  const unique = [...new Map(found.map((s) => [s.id, s])).values()];
  return unique.map((s) => registerScenario(s, ref.label));
}

/** A module that failed to import (a syntax error, a missing import, a throw at load). */
export class ModuleLoadError extends InputError {
  constructor(
    readonly label: string,
    override readonly cause: Error,
  ) {
    super(`cannot load scenario module ${label}: ${explainLoadFailure(cause)}`);
  }
}

/**
 * The cause in the module author's terms: a missing `faultline` says how to install it, and
 * the stack keeps only frames of the author's code (not Node's loader or tsx's).
 */
function explainLoadFailure(cause: Error): string {
  const ownCode = `${packageRoot()}${path.sep}`;
  const missing = /Cannot find package '([^']+)' imported from (.+)$/.exec(cause.message);
  if (missing && (missing[1] === 'faultline' || missing[1]!.startsWith('faultline/'))) {
    return `it imports '${missing[1]}', which is not installed where the module lives (${path.dirname(missing[2]!)}): run npm install --save-dev faultline there`;
  }
  const frames = (cause.stack ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => !/\(node:|at node:|node_modules[\\/]/.test(line) && !line.includes(ownCode))
    .slice(0, 5)
    .map((line) => line.replace(/\?v=\d+/, '')); // the cache-busting query of a reload
  return frames.length > 0 ? `${cause.message}\n${frames.join('\n')}` : cause.message;
}

/** The scenario a command-line reference names, loading its module if it is a path. */
export async function resolveScenario(reference: string): Promise<{ scenario: AnyScenario; module: ModuleRef | null }> {
  if (!isModulePath(reference)) return { scenario: findScenario(reference), module: null };
  const [file, id] = reference.split('#') as [string, string | undefined];
  const module = moduleRef(file);
  const loaded = await loadScenarioModule(module);
  if (id !== undefined) {
    const chosen = loaded.find((s) => s.id === id);
    if (chosen === undefined) throw new InputError(`${file} has no scenario '${id}'; it exports: ${loaded.map((s) => s.id).join(', ')}`);
    return { scenario: chosen, module };
  }
  if (loaded.length > 1) {
    throw new InputError(`${file} exports ${loaded.length} scenarios (${loaded.map((s) => s.id).join(', ')}); name one as ${file}#<id>`);
  }
  return { scenario: loaded[0]!, module };
}

/** Every module file a path names: the file itself, or the scenario modules in a folder (not its tests). */
export function moduleFiles(target: string): string[] {
  const file = path.resolve(target);
  if (!existsSync(file)) throw new InputError(`no such file or folder '${target}' for --scenarios`);
  if (!statSync(file).isDirectory()) return [target];
  return readdirSync(file)
    .filter((n) => MODULE_EXTENSIONS.includes(path.extname(n)) && !/\.(test|spec)\.[mc]?[jt]s$/.test(n) && !n.endsWith('.d.ts'))
    .sort()
    .map((n) => path.join(target, n));
}

/**
 * Makes sure a thread has a user scenario: workers get the module with their task and load it
 * once per version (a check worker, a server run worker).
 */
const loadedVersions = new Map<string, number>();
export async function ensureModule(ref: ModuleRef | null | undefined): Promise<void> {
  if (ref == null || loadedVersions.get(ref.file) === ref.version) return;
  await loadScenarioModule(ref);
  loadedVersions.set(ref.file, ref.version);
}
