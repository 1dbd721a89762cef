import { errorCode } from '../source/source.js';

/** How a failed read is tolerated: the process is gone, we may not look, or something else went wrong. */
export type ReadFailure = 'vanished' | 'denied' | 'too-large' | 'other';

/** Classify an error from a source. Vanished and denied are the expected ones (as lsns tolerates ENOENT, ESRCH, EACCES). */
export function classify(err: unknown): ReadFailure {
  switch (errorCode(err)) {
    case 'ENOENT':
    case 'ESRCH':
      return 'vanished';
    case 'EACCES':
    case 'EPERM':
      return 'denied';
    case 'EFBIG':
      return 'too-large';
    default:
      return 'other';
  }
}

/** A short reason for an error, for warnings: the errno code and what it means. */
export function reason(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file';
    case 'ESRCH':
      return 'no such process';
    case 'EFBIG':
      return 'file too large';
    case 'EXDEV':
      return 'link leads outside the root';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}
