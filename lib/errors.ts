/** Kinds of error nsview throws: each is a mistake the user can act on. */
/** `not-found`: a namespace, unit or cgroup the data does not hold (exit 1, as lsns for an unknown namespace). */
export type NsviewErrorCode = 'unusable-root' | 'unknown-pid' | 'not-found' | 'malformed-snapshot' | 'unreadable-file' | 'bad-argument';

/**
 * The only error nsview throws on purpose. Its message is one line that names
 * the path or pid at fault; the CLI prints it and exits 1 (2 for `bad-argument`).
 */
export class NsviewError extends Error {
  readonly code: NsviewErrorCode;
  /** The pid at fault, for `unknown-pid`. */
  readonly pid?: number;
  /** The same message for another place the data came from (`the snapshot n1.json`), where the message names one. */
  readonly relocate?: (where: string) => string;
  constructor(code: NsviewErrorCode, message: string, pid?: number, relocate?: (where: string) => string) {
    super(message);
    this.name = 'NsviewError';
    this.code = code;
    if (pid !== undefined) this.pid = pid;
    if (relocate) this.relocate = relocate;
  }
}

/** How many characters of a value a message shows (see {@link shorten}). */
export const SHOWN_CHARS = 200;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * `text` cut to at most `max` characters for a message: its start and end
 * with `…` between (the end often says why), never splitting a surrogate
 * pair. Any value a message echoes (a path, a key, a version from a snapshot)
 * goes through this, so a message stays short whatever the input holds.
 */
export function shorten(text: string, max = SHOWN_CHARS): string {
  if (text.length <= max) return text;
  let head = Math.ceil((max - 1) / 2);
  let tail = text.length - (max - 1 - head);
  if (isHigh(text.charCodeAt(head - 1))) head--;
  if (isLow(text.charCodeAt(tail)) && isHigh(text.charCodeAt(tail - 1))) tail++;
  return `${text.slice(0, head)}…${text.slice(tail)}`;
}

/**
 * The error for a pid a snapshot does not hold, naming the pid and where it was looked for:
 * a snapshot's root (`/` is this host) or, from the CLI, where its data came from.
 */
export function unknownPid(pid: number, where: string): NsviewError {
  const say = (w: string): string => `no process with pid ${pid} in ${w === '/' ? 'this host' : shorten(w)}`;
  return new NsviewError('unknown-pid', say(where), pid, say);
}

/** True for an {@link NsviewError}. */
export function isNsviewError(err: unknown): err is NsviewError {
  return err instanceof NsviewError;
}
