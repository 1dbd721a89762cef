/** Kinds of error nsview throws: each is a mistake the user can act on. */
export type NsviewErrorCode = 'unusable-root' | 'unknown-pid' | 'malformed-snapshot' | 'unreadable-file' | 'bad-argument';

/**
 * The only error nsview throws on purpose. Its message is one line that names
 * the path or pid at fault; the CLI prints it and exits 1 (2 for `bad-argument`).
 */
export class NsviewError extends Error {
  readonly code: NsviewErrorCode;
  constructor(code: NsviewErrorCode, message: string) {
    super(message);
    this.name = 'NsviewError';
    this.code = code;
  }
}

/** The error for a pid a snapshot does not hold, naming the pid and where it was looked for. */
export function unknownPid(pid: number, root: string): NsviewError {
  return new NsviewError('unknown-pid', `no process with pid ${pid} in ${root === '/' ? 'this host' : root}`);
}

/** True for an {@link NsviewError}. */
export function isNsviewError(err: unknown): err is NsviewError {
  return err instanceof NsviewError;
}
