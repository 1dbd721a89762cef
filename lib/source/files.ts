import * as fs from 'node:fs';
import { NsviewError } from '../errors.js';
import { errorCode } from './source.js';
import { MAX_FILE_BYTES } from './source.js';
import { sizeOf, writeFileAtomic, type WriteFs } from './write.js';

/** The largest snapshot {@link readUserFile} reads (128 MiB), from a file or a stream. */
export const MAX_SNAPSHOT_BYTES = 16 * MAX_FILE_BYTES;

/** Options of {@link readUserFile}. */
export interface ReadUserFileOptions {
  /** Refuse more than this many bytes (default {@link MAX_SNAPSHOT_BYTES}). */
  maxBytes?: number;
}

const CHUNK = 1024 * 1024;

/**
 * Read a user-named file (a snapshot) as text; throws {@link NsviewError} naming the path.
 * A file, a pipe (`--from <(…)`, `/dev/stdin`) or a device is read until its end, but never
 * past `maxBytes`: `/dev/zero` or an endless stream is refused once it passes the limit,
 * without holding more than that in memory. (A FIFO with no writer waits for one, as `cat` does.)
 */
export function readUserFile(path: string, options: ReadUserFileOptions = {}): string {
  const max = options.maxBytes ?? MAX_SNAPSHOT_BYTES;
  const tooLarge = (what: string): NsviewError =>
    new NsviewError('unreadable-file', `${path}: too large for a snapshot (${what}; a snapshot is at most ${sizeOf(max)})`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY);
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new NsviewError('unreadable-file', `${path}: is a directory`);
    if (st.isFile() && st.size > max) throw tooLarge(`${st.size} bytes`);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Ask for one byte past the limit, so a stream that is exactly at it is not refused.
      const want = Math.min(CHUNK, max + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      const n = fs.readSync(fd, buf, 0, want, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw tooLarge(`more than ${sizeOf(max)} read${st.isFile() ? '' : ' from a stream'}`);
      parts.push(n === want ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(parts, total).toString('utf8');
  } catch (err) {
    if (err instanceof NsviewError) throw err;
    throw new NsviewError('unreadable-file', `cannot read ${path}: ${errorCode(err) ?? (err as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Options of {@link writeUserFile}. */
export interface WriteUserFileOptions {
  /** The file system to write (default `node:fs`); tests pass one that fails. */
  fs?: WriteFs;
}

/**
 * Write text to a user-named file (`snapshot -o`), all or nothing: under a temporary name
 * beside it, then renamed over it, so a full disk leaves the old file (or none), never a
 * truncated one; never through a symbolic link (a FIFO or device such as `/dev/stdout` is
 * written as a stream). Throws {@link NsviewError} naming the path and the errno.
 */
export function writeUserFile(path: string, text: string, options: WriteUserFileOptions = {}): void {
  writeFileAtomic(path, Buffer.from(text, 'utf8'), { fs: options.fs });
}
