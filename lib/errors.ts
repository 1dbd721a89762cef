/** Kinds of error nsview throws: each is a mistake the user can act on. */
export type NsviewErrorCode = 'unusable-root' | 'unknown-pid' | 'malformed-snapshot' | 'unreadable-file' | 'bad-argument';

/**
 * The only error nsview throws on purpose. Its message is one line that names
 * the path or pid at fault; the CLI prints it and exits 1.
 */
export class NsviewError extends Error {
  readonly code: NsviewErrorCode;
  constructor(code: NsviewErrorCode, message: string) {
    super(message);
    this.name = 'NsviewError';
    this.code = code;
  }
}

/** True for an {@link NsviewError}. */
export function isNsviewError(err: unknown): err is NsviewError {
  return err instanceof NsviewError;
}
