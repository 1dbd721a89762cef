import * as fs from 'node:fs';
import * as nodePath from 'node:path';
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
  /**
   * Read it only if it is a regular file, opened without following a symbolic link and without
   * waiting for a FIFO's writer: for a file nsview found in a directory ({@link listSnapshotDir}),
   * which the user did not name.
   */
  regularOnly?: boolean;
}

/** Open flags that neither follow a last symbolic link nor block (0 where the platform has none). */
const NOFOLLOW_NONBLOCK = (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

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
    fd = fs.openSync(path, fs.constants.O_RDONLY | (options.regularOnly ? NOFOLLOW_NONBLOCK : 0));
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new NsviewError('unreadable-file', `${path}: is a directory`);
    if (options.regularOnly && !st.isFile()) throw new NsviewError('unreadable-file', `${path}: not a regular file`);
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

/**
 * The snapshots in a directory `--from` names: its regular files named `*.json` (not hidden
 * ones, as a shell's `*.json`; so not the `.<name>.<random>.tmp` of a `snapshot -o` under way),
 * sorted by name; `undefined` when `path` is not a directory (it is then read as one snapshot,
 * and {@link readUserFile} says what is wrong with it). Anything else in the directory is
 * ignored: subdirectories, symbolic links (not followed), FIFOs, devices, other names. Read
 * each with {@link readUserFile} and `regularOnly`. A directory with none is an error naming it.
 */
export function listSnapshotDir(path: string): string[] | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return undefined;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path, { withFileTypes: true });
  } catch (err) {
    throw new NsviewError('unreadable-file', `cannot read ${path}: ${errorCode(err) ?? (err as Error).message}`);
  }
  const names = entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new NsviewError('unreadable-file', `${path}: no snapshot in this directory (nsview reads its *.json files)`);
  return names.map((name) => nodePath.join(path, name));
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
