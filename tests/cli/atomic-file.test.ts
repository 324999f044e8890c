/**
 * AtomicFile: an output file appears whole under its name or not at all; a failed or
 * abandoned write leaves the old file; devices are written in place, never replaced; every
 * failure names the file and the system's error.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicFile, writeFileAtomic } from '../../cli/atomic-file.ts';
import { FileError } from '../../cli/file-error.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-atomic-'));

describe('AtomicFile', () => {
  it('puts the file under its name only on commit, and leaves no temporary file', () => {
    const target = path.join(dir, 'result.json');
    writeFileSync(target, 'old');
    const file = AtomicFile.open(target, 'the result');
    file.write('new ');

    expect(readFileSync(target, 'utf8')).toBe('old');
    file.write('content');
    file.commit();

    expect(readFileSync(target, 'utf8')).toBe('new content');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves the old file when the write is abandoned', () => {
    const target = path.join(dir, 'kept.json');
    writeFileSync(target, 'old');
    const file = AtomicFile.open(target, 'the result');
    file.write('half of it');

    file.abort();

    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((n) => n.startsWith('.kept.json'))).toEqual([]);
  });

  it("keeps a replaced file's permissions and replaces the file a symbolic link points to", () => {
    const target = path.join(dir, 'private.json');
    writeFileSync(target, 'old');
    chmodSync(target, 0o600);
    const link = path.join(dir, 'link.json');
    symlinkSync(target, link);

    writeFileAtomic(link, 'new', 'the result');

    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readFileSync(link, 'utf8')).toBe('new');
  });

  it('writes a device in place (never replaces it) and names it when it is full', () => {
    writeFileAtomic('/dev/null', 'anything', 'the trace');

    const error = (() => {
      try {
        writeFileAtomic('/dev/full', 'x'.repeat(10_000), 'the trace');
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).message).toBe("cannot write the trace to '/dev/full': no space left on the device (ENOSPC)");
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('names a missing folder, and a folder given as the file', () => {
    expect(() => AtomicFile.open(path.join(dir, 'no', 'such', 'x.json'), 'the result')).toThrow(/its folder '.*no\/such' does not exist/);
    expect(() => AtomicFile.open(dir, 'the result')).toThrow(/it is a folder/);
  });

  it('removes the temporary file a killed process left beside the same target', () => {
    const target = path.join(dir, 'swept.json');
    const stale = path.join(dir, '.swept.json.999999999-0123abcd.tmp');
    writeFileSync(stale, 'partial');

    writeFileAtomic(target, 'whole', 'the result');

    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('whole');
  });
});
