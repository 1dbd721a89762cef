/**
 * The only layer that touches a file system. Every read nsview makes goes
 * through a {@link Source}: the live host (`/`), a captured tree on disk, or a
 * memfs volume in tests. Paths given to a source are absolute host paths
 * (`/proc/1/stat`); the source maps them under its root.
 *
 * Reads are synchronous on purpose: procfs answers from memory, and the sync
 * calls are several times faster than promise-based ones (see docs/performance.md).
 */

/** Largest file a source reads; procfs files report size 0, so reads are capped, not sized. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** Options of {@link Source.readText}. */
export interface ReadTextOptions {
  /** The file holds file names: keep bytes that are not UTF-8 (U+DC80–U+DCFF) instead of U+FFFD. */
  names?: boolean;
}

/** Options of {@link Source.readBytes}. */
export interface ReadBytesOptions {
  /**
   * Only a regular file: a FIFO, device or socket is refused with `EINVAL` without waiting
   * for a writer (for files anyone could have put there, such as a runtime's state files).
   */
  regular?: boolean;
  /** Refuse a file larger than this many bytes with `EFBIG` (at most {@link MAX_FILE_BYTES}). */
  max?: number;
}

/** A directory entry: its name (bytes that are not UTF-8 kept as U+DC80–U+DCFF) and whether it is a directory. */
export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** Read-only access to a host's files, rooted at a directory. Methods throw errno errors (`code`). */
export interface Source {
  /** What the source is rooted at, for messages (`/`, a capture directory, `memfs`). */
  readonly root: string;
  /**
   * Whole file as UTF-8 text (capped at {@link MAX_FILE_BYTES}; throws `EFBIG` beyond). Bytes
   * that are not UTF-8 become U+FFFD, or with `names` are kept as U+DC80–U+DCFF (for files
   * that hold file names: `/proc/<pid>/cgroup`, mountinfo; see lib/source/bytes.ts).
   */
  readText(path: string, options?: ReadTextOptions): string;
  /** Whole file as bytes (capped like {@link Source.readText}, or lower with `max`). */
  readBytes(path: string, options?: ReadBytesOptions): Uint8Array;
  /** The text of a symbolic link, never followed (in a capture, a plain file holding the text is read as one). */
  readLink(path: string): string;
  /** Entries of a directory, in no particular order. */
  readDir(path: string): DirEntry[];
  /**
   * Names in a directory, in no particular order. Cheaper than {@link Source.readDir}
   * and safe on `/proc` under churn: typed listing `lstat`s entries whose type the
   * kernel does not report, and fails outright when one has just exited.
   */
  readNames(path: string): string[];
  /** True if the path exists (as anything). */
  exists(path: string): boolean;
}

/** An error from a source, carrying the errno `code` and the host path. */
export interface SourceError extends Error {
  code?: string;
  path?: string;
}

/** The errno code of an error thrown by a source, or `undefined`. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Make an errno-style error for a host path. */
export function sourceError(code: string, path: string, message: string): SourceError {
  const err = new Error(`${code}: ${message}, '${path}'`) as SourceError;
  err.code = code;
  err.path = path;
  return err;
}
