/**
 * Reading a file a user hands a command (a --faults plan, a shard file for merge), bounded:
 * a file larger than the input allows is refused by its size before a byte of it is parsed,
 * and since /proc files and FIFOs report no honest size, the read itself stops one byte past
 * the limit too. JSON inputs are parsed with the keys that reach an object's prototype
 * (`__proto__`, `constructor`, `prototype`) refused wherever they appear. Every refusal is a
 * FileError or InputError (exit 2) naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../engine/index.ts';
import { FORBIDDEN_KEYS } from '../wire/run-input.ts';
import { FileError, fileError } from './file-error.ts';

/** The largest --faults file: 10,000 faults (the plan's own limit) fit in well under 4 MiB. */
export const FAULTS_FILE_BYTES_MAX = 16 * 1024 * 1024;

/** Reads a text file of at most `bytesMax` bytes; `what` names it in errors ('the --faults file'). */
export function readInputText(path: string, bytesMax: number, what: string): string {
  const action = `read ${what}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(action, path, error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new FileError(path, 'EISDIR', `cannot ${action} '${path}': it is a folder`);
    if (stat.size > bytesMax) throw tooLarge(path, what, stat.size, bytesMax);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, bytesMax + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > bytesMax) throw tooLarge(path, what, total, bytesMax);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (error) {
    throw fileError(action, path, error);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, what: string, bytes: number, bytesMax: number): FileError {
  const mb = (n: number): string => `${(n / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
  return new FileError(
    path,
    null,
    `cannot read ${what} '${path}': it is ${bytes > bytesMax + 1 ? mb(bytes) : `over ${mb(bytesMax)}`}, larger than the ${mb(bytesMax)} allowed`,
  );
}

/**
 * Parses JSON text, refusing prototype keys at any depth. `where` names the input in the
 * message ('--faults', "shard file 'a.json'").
 */
export function parseJsonInput(text: string, where: string): unknown {
  try {
    return JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.includes(key)) throw new ForbiddenKey(key);
      return value;
    });
  } catch (error) {
    if (error instanceof ForbiddenKey) throw forbidden(where, error.key);
    throw new InputError(`${where}: not valid JSON (${(error as Error).message.slice(0, 160)})`);
  }
}

/** Refuses prototype keys anywhere in an already-parsed value (e.g. a JSON --param value). */
export function refuseForbiddenKeys(value: unknown, where: string, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 64) return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(key)) throw forbidden(where, key);
    refuseForbiddenKeys((value as Record<string, unknown>)[key], where, depth + 1);
  }
}

function forbidden(where: string, key: string): InputError {
  return new InputError(`${where}: the key '${key}' is not allowed anywhere in faultline's input (it would reach an object's prototype)`);
}

class ForbiddenKey {
  constructor(readonly key: string) {}
}
