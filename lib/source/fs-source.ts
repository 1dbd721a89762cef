import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { MAX_FILE_BYTES, errorCode, sourceError, type DirEntry, type Source } from './source.js';

/** The subset of `node:fs` a {@link Source} needs; memfs volumes provide it too. */
export interface FsLike {
  openSync(path: string, flags: string | number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
  readlinkSync(path: string): string | Buffer;
  readdirSync(path: string, options: { withFileTypes: true }): Array<{ name: string | Buffer; isDirectory(): boolean; isSymbolicLink(): boolean }>;
  readdirSync(path: string): Array<string | Buffer>;
  realpathSync(path: string): string | Buffer;
  lstatSync(path: string): { isDirectory(): boolean; isSymbolicLink(): boolean };
  statSync(path: string): { isDirectory(): boolean };
}

/** Options for {@link createFsSource}. */
export interface FsSourceOptions {
  /** The file system to read (default `node:fs`); tests pass a memfs volume. */
  fs?: FsLike;
  /** Refuse to follow symbolic links out of the root (default: on unless the root is `/`). */
  confine?: boolean;
}

/** The file in a capture's root that lists what the host denied (written by `nsview capture`). */
export const CAPTURE_MANIFEST = 'nsview-capture.json';

const CHUNK = 64 * 1024;
const scratch = new Uint8Array(CHUNK);

/**
 * A source over a directory: `/` for the live host, a capture directory, or
 * any directory of a memfs volume. Under a confined root (every root but `/`),
 * a path whose real location leaves the root is refused with `EXDEV` (and a
 * link loop fails with `ELOOP`), so a hostile capture cannot make nsview read
 * outside it.
 */
export function createFsSource(root = '/', options: FsSourceOptions = {}): Source {
  const fs = options.fs ?? (nodeFs as unknown as FsLike);
  const base = root === '/' ? '' : root.replace(/\/+$/, '');
  const confine = options.confine ?? base !== '';
  let realBase: string | undefined;
  // Under a confined root a FIFO must not block the scan: open without waiting for a writer.
  const openFlags = confine && options.fs === undefined ? nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK : 'r';

  const full = (path: string): string => base + path;
  // A capture's manifest: paths the host denied, replayed as the same error.
  let denied: Map<string, string> | undefined;
  const replay = (path: string, err: unknown): never => {
    if (confine && errorCode(err) === 'ENOENT') {
      if (!denied) {
        denied = new Map();
        try {
          const m = JSON.parse(readText('/' + CAPTURE_MANIFEST)) as { denied?: Array<{ path?: unknown; code?: unknown }> };
          for (const d of m.denied ?? []) if (typeof d.path === 'string' && (d.code === 'EACCES' || d.code === 'EPERM')) denied.set(d.path, d.code);
        } catch {
          // No manifest (a capture made by hand): missing is missing.
        }
      }
      const code = denied.get(path);
      if (code) throw sourceError(code, path, 'denied on the captured host');
    }
    throw err;
  };
  const check = (path: string, p: string): void => {
    if (!confine) return;
    realBase ??= String(fs.realpathSync(base === '' ? '/' : base));
    const real = String(fs.realpathSync(p));
    if (real !== realBase && !real.startsWith(realBase + '/')) {
      throw sourceError('EXDEV', path, 'link leads outside the root');
    }
  };

  function readBytes(path: string, borrow = false): Uint8Array {
    try {
      return readBytesRaw(path, borrow);
    } catch (err) {
      return replay(path, err);
    }
  }

  function readBytesRaw(path: string, borrow: boolean): Uint8Array {
    const p = full(path);
    check(path, p);
    const fd = fs.openSync(p, openFlags);
    try {
      return readAll(fd, path, borrow);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Read until `read` returns 0. A short read is not the end of a file: cgroupfs hands out
   * `cgroup.procs` a page at a time, and any file may come back in pieces. Small files (all
   * of procfs's) fill the scratch buffer and cost one more `read` that returns 0.
   */
  function readAll(fd: number, path: string, borrow: boolean): Uint8Array {
    let n = 0;
    for (;;) {
      const m = fs.readSync(fd, scratch, n, CHUNK - n, null);
      if (m === 0) return borrow ? scratch.subarray(0, n) : scratch.slice(0, n);
      n += m;
      if (n === CHUNK) break;
    }
    const parts: Uint8Array[] = [scratch.slice()];
    let total = CHUNK;
    let buf = new Uint8Array(CHUNK);
    let used = 0;
    for (;;) {
      const m = fs.readSync(fd, buf, used, CHUNK - used, null);
      if (m === 0) break;
      used += m;
      total += m;
      if (total > MAX_FILE_BYTES) throw sourceError('EFBIG', path, `file larger than ${MAX_FILE_BYTES} bytes`);
      if (used === CHUNK) {
        parts.push(buf);
        buf = new Uint8Array(CHUNK);
        used = 0;
      }
    }
    if (used > 0) parts.push(buf.subarray(0, used));
    return Buffer.concat(parts, total);
  }

  // Small files (all of procfs's) decode straight from the scratch buffer, without a copy.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true }); // keep a leading U+FEFF: it is part of the text
  const readText = (path: string): string => decoder.decode(readBytes(path, true));

  return {
    root: root,
    readBytes: (path: string) => readBytes(path),
    readText,
    readLink(path) {
      const p = full(path);
      try {
        if (confine) check(path, nodePath.posix.dirname(p));
        return String(fs.readlinkSync(p));
      } catch (err) {
        // A capture checked out where symbolic links become plain files (git on
        // Windows) holds the link text as the file's content.
        if (confine && errorCode(err) === 'EINVAL') return readText(path).trim();
        return replay(path, err);
      }
    },
    readDir(path): DirEntry[] {
      const p = full(path);
      check(path, p);
      return fs.readdirSync(p, { withFileTypes: true }).map((d) => ({
        name: String(d.name),
        isDirectory: d.isDirectory(),
      }));
    },
    readNames(path) {
      const p = full(path);
      check(path, p);
      return fs.readdirSync(p).map(String);
    },
    exists(path) {
      try {
        fs.lstatSync(full(path));
        return true;
      } catch {
        return false;
      }
    },
  };
}
