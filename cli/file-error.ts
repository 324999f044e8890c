/**
 * Errors of the machine a command runs on — a full disk, a file it may not read or write, a
 * folder that is not there, an input too large to read — are the user's to fix, not bugs of
 * faultline: a FileError is an InputError (exit 2) whose message names the file, what the
 * command was doing with it, and the system's own error in words and code, e.g.
 * `cannot write the trace to '/dev/full': no space left on the device (ENOSPC)`.
 * Never a stack trace.
 */
import { InputError } from '../engine/index.ts';

/** A file the command could not read or write, or would not (too large). */
export class FileError extends InputError {
  override name = 'FileError';
  constructor(
    readonly path: string,
    /** The system's error code (ENOSPC, EIO, EACCES...), or null when faultline refused the file itself. */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

const WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'the temporary file and the target are on different file systems',
  EINVAL: 'invalid argument',
};

/** True for an error the operating system raised (it carries an errno code such as ENOSPC). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code!);
}

/** The system error in words with its code: `no space left on the device (ENOSPC)`. */
export function describeSystemError(error: unknown): string {
  if (!isSystemError(error)) return error instanceof Error ? error.message : String(error);
  const words = WORDS[error.code] ?? error.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*'$/, '');
  return `${words} (${error.code})`;
}

/**
 * A FileError for `error` raised while doing `action` ('write the trace to', 'read the
 * --faults file') with `path`. Errors that are not the system's are returned unchanged.
 */
export function fileError(action: string, path: string, error: unknown): unknown {
  if (error instanceof FileError || !isSystemError(error)) return error;
  return new FileError(path, error.code, `cannot ${action} '${path}': ${describeSystemError(error)}`);
}
