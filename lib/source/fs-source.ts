import * as nodeFs from 'node:fs';
import { decodeEscaped, encodeEscaped, fsPath } from './bytes.js';
import { MAX_FILE_BYTES, errorCode, sourceError, type DirEntry, type ReadBytesOptions, type ReadTextOptions, type Source } from './source.js';

/** The subset of `node:fs` a {@link Source} needs; memfs volumes provide it too. */
export interface FsLike {
  openSync(path: string | Buffer, flags: string | number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
  readlinkSync(path: string | Buffer, options?: { encoding: 'buffer' }): string | Buffer;
  readdirSync(
    path: string | Buffer,
    options: { withFileTypes: true; encoding: 'buffer' },
  ): Array<{ name: string | Buffer; isDirectory(): boolean; isSymbolicLink(): boolean }>;
  readdirSync(path: string | Buffer, options: { encoding: 'buffer' }): Array<string | Buffer>;
  realpathSync(path: string | Buffer): string | Buffer;
  lstatSync(path: string | Buffer): { isDirectory(): boolean; isSymbolicLink(): boolean };
  statSync(path: string | Buffer): { isDirectory(): boolean; isFile?(): boolean };
  /** For `readBytes(path, { regular: true })`; without it the check is skipped. */
  fstatSync?(fd: number): { isFile(): boolean };
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

/** Symbolic links followed while resolving one path, as the kernel's limit (`ELOOP` beyond). */
const MAX_LINKS = 40;

/**
 * A source over a directory: `/` for the live host, a capture directory, or
 * any directory of a memfs volume.
 *
 * Under a confined root (every root but `/`) nothing outside the root is read. Each path is
 * resolved one component at a time as the kernel would (a link's target from the link's
 * directory, `..` from where the link led, never as text), and a path that leaves the root is
 * refused with `EXDEV` (a link loop with `ELOOP`). Files are opened with `O_NOFOLLOW`, and on
 * Linux the kernel is then asked where the opened file really is (`/proc/self/fd/<fd>`), so a
 * directory swapped for a link between the check and the open is refused too; directories are
 * listed through the same descriptor. Names that are not UTF-8 are kept (lib/source/bytes.ts).
 */
export function createFsSource(root = '/', options: FsSourceOptions = {}): Source {
  const fs = options.fs ?? (nodeFs as unknown as FsLike);
  const base = root === '/' ? '' : root.replace(/\/+$/, '');
  const confine = options.confine ?? base !== '';
  const realFs = options.fs === undefined;
  const K = nodeFs.constants;
  // Under a confined root a FIFO must not block the scan: open without waiting for a writer.
  const openFlags = confine && realFs ? K.O_RDONLY | K.O_NONBLOCK | K.O_NOFOLLOW : 'r';
  const dirFlags = K.O_RDONLY | K.O_DIRECTORY | K.O_NOFOLLOW | K.O_NONBLOCK;
  // Where the kernel tells what a descriptor opened (Linux); elsewhere the component walk stands alone.
  let procFd = confine && realFs && process.platform === 'linux';

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

  // -- confinement --------------------------------------------------------------------------
  let realBase: string | undefined;
  let realBaseBytes: Buffer | undefined;
  const rootReal = (): string => (realBase ??= String(fs.realpathSync(base === '' ? '/' : base)));
  const outside = (path: string): never => {
    throw sourceError('EXDEV', path, 'link leads outside the root');
  };
  /** Resolved directories (host path under the root → real path), so a scan walks each once. */
  const dirs = new Map<string, string>();

  /**
   * The real location of `path` under the root, resolved component by component: a link's
   * target continues from the link's directory (an absolute one must lie under the root),
   * `..` climbs from where the walk really is and never above the root. With `followLast`
   * false a link in the last component is left as it is (for `readlink`).
   */
  function resolve(path: string, followLast: boolean): string {
    const cut = path.lastIndexOf('/');
    const parent = path.slice(0, cut);
    const last = path.slice(cut + 1);
    let dir = dirs.get(parent);
    if (dir === undefined) {
      dir = walkFrom(rootReal(), parent.split('/'), path, true);
      if (dirs.size < 100_000) dirs.set(parent, dir);
    }
    return last === '' ? dir : walkFrom(dir, [last], path, followLast);
  }

  function walkFrom(start: string, components: string[], path: string, followLast: boolean): string {
    const top = rootReal();
    const at: string[] = start === top ? [] : start.slice(top.length + 1).split('/');
    const todo = components.filter((c) => c !== '' && c !== '.').reverse();
    let links = 0;
    while (todo.length > 0) {
      const c = todo.pop() as string;
      if (c === '..') {
        if (at.length === 0) outside(path);
        at.pop();
        continue;
      }
      if (todo.length === 0 && !followLast) {
        at.push(c);
        break;
      }
      const here = `${top}/${[...at, c].join('/')}`;
      let link: boolean;
      try {
        link = fs.lstatSync(fsPath(here)).isSymbolicLink();
      } catch (err) {
        if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') {
          // The rest does not exist: the open that follows fails as it should.
          at.push(c, ...todo.reverse());
          break;
        }
        throw err;
      }
      if (!link) {
        at.push(c);
        continue;
      }
      if (++links > MAX_LINKS) throw sourceError('ELOOP', path, 'too many levels of symbolic links');
      const target = decodeEscaped(fs.readlinkSync(fsPath(here), { encoding: 'buffer' }) as Buffer);
      if (target.startsWith('/')) {
        // An absolute link is followed from the host's root: only one that lands in the root stays.
        if (target !== top && !target.startsWith(top + '/')) outside(path);
        at.length = 0;
        todo.push(
          ...target
            .slice(top.length)
            .split('/')
            .filter((x) => x !== '' && x !== '.')
            .reverse(),
        );
      } else {
        todo.push(
          ...target
            .split('/')
            .filter((x) => x !== '' && x !== '.')
            .reverse(),
        );
      }
    }
    return at.length ? `${top}/${at.join('/')}` : top;
  }

  /** On Linux: refuse a descriptor the kernel says is outside the root (a swap after the walk). */
  function verify(fd: number, path: string): void {
    if (!procFd) return;
    let real: Buffer;
    try {
      real = fs.readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'buffer' }) as Buffer;
    } catch {
      procFd = false; // no procfs here: the walk stands alone
      return;
    }
    realBaseBytes ??= encodeEscaped(rootReal());
    const top = realBaseBytes;
    const inside = real.equals(top) || (real.length > top.length && real[top.length] === 0x2f && real.subarray(0, top.length).equals(top)) || top.length === 1;
    if (!inside) outside(path);
  }

  /**
   * Open `path` for reading. Confined on the real file system, the last component is opened
   * with O_NOFOLLOW, so only its directory is resolved (once per directory); a last component
   * that is a link fails that open and is then resolved in full. Then verified.
   */
  function open(path: string, flags: string | number): number {
    if (!confine) return fs.openSync(fsPath(full(path)), flags);
    let fd: number;
    if (!realFs) fd = fs.openSync(fsPath(resolve(path, true)), flags);
    else {
      try {
        fd = fs.openSync(fsPath(resolve(path, false)), flags);
      } catch (err) {
        // A link: ELOOP, or ENOTDIR when a directory was asked for.
        if (errorCode(err) !== 'ELOOP' && errorCode(err) !== 'ENOTDIR') throw err;
        fd = fs.openSync(fsPath(resolve(path, true)), flags);
      }
    }
    try {
      verify(fd, path);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return fd;
  }

  /** List a directory; confined on Linux through the descriptor that was verified. */
  function list<T>(path: string, read: (p: string | Buffer) => T): T {
    if (!confine) return read(fsPath(full(path)));
    if (!procFd) return read(fsPath(resolve(path, true)));
    const fd = open(path, dirFlags);
    try {
      return read(procFd ? `/proc/self/fd/${fd}` : fsPath(resolve(path, true)));
    } finally {
      fs.closeSync(fd);
    }
  }

  function readBytes(path: string, borrow = false, o?: ReadBytesOptions): Uint8Array {
    try {
      return readBytesRaw(path, borrow, o);
    } catch (err) {
      return replay(path, err);
    }
  }

  // Files anyone may have put there: never wait on a FIFO, then check what was opened.
  const regularFlags = realFs ? K.O_RDONLY | K.O_NONBLOCK | (confine ? K.O_NOFOLLOW : 0) : 'r';

  function readBytesRaw(path: string, borrow: boolean, o?: ReadBytesOptions): Uint8Array {
    if (o?.regular) {
      // Refuse a device or socket before opening it (opening some devices acts); checked again on the descriptor.
      const st = fs.statSync(fsPath(confine ? resolve(path, true) : full(path)));
      if (st.isFile && !st.isFile()) throw sourceError('EINVAL', path, 'not a regular file');
    }
    const fd = open(path, o?.regular ? regularFlags : openFlags);
    try {
      if (o?.regular && fs.fstatSync && !fs.fstatSync(fd).isFile()) throw sourceError('EINVAL', path, 'not a regular file');
      return readAll(fd, path, borrow, Math.min(o?.max ?? MAX_FILE_BYTES, MAX_FILE_BYTES));
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Read until `read` returns 0. A short read is not the end of a file: cgroupfs hands out
   * `cgroup.procs` a page at a time, and any file may come back in pieces. Small files (all
   * of procfs's) fill the scratch buffer and cost one more `read` that returns 0.
   */
  function readAll(fd: number, path: string, borrow: boolean, max = MAX_FILE_BYTES): Uint8Array {
    const tooLarge = (): never => {
      throw sourceError('EFBIG', path, `file larger than ${max} bytes`);
    };
    let n = 0;
    for (;;) {
      const m = fs.readSync(fd, scratch, n, CHUNK - n, null);
      if (m === 0) return n > max ? tooLarge() : borrow ? scratch.subarray(0, n) : scratch.slice(0, n);
      n += m;
      if (n === CHUNK) break;
    }
    if (n > max) tooLarge();
    const parts: Uint8Array[] = [scratch.slice()];
    let total = CHUNK;
    let buf = new Uint8Array(CHUNK);
    let used = 0;
    for (;;) {
      const m = fs.readSync(fd, buf, used, CHUNK - used, null);
      if (m === 0) break;
      used += m;
      total += m;
      if (total > max) tooLarge();
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
  const readText = (path: string, o?: ReadTextOptions): string => (o?.names ? decodeEscaped(readBytes(path, true)) : decoder.decode(readBytes(path, true)));

  return {
    root: root,
    readBytes: (path: string, o?: ReadBytesOptions) => readBytes(path, false, o),
    readText,
    readLink(path) {
      try {
        const p = confine ? resolve(path, false) : full(path);
        return decodeEscaped(fs.readlinkSync(fsPath(p), { encoding: 'buffer' }) as Buffer);
      } catch (err) {
        // A capture checked out where symbolic links become plain files (git on
        // Windows) holds the link text as the file's content.
        if (confine && errorCode(err) === 'EINVAL') return readText(path).trim();
        return replay(path, err);
      }
    },
    readDir(path): DirEntry[] {
      return list(path, (p) =>
        fs.readdirSync(p, { withFileTypes: true, encoding: 'buffer' }).map((d) => ({
          name: typeof d.name === 'string' ? d.name : decodeEscaped(d.name),
          isDirectory: d.isDirectory(),
        })),
      );
    },
    readNames(path) {
      return list(path, (p) => fs.readdirSync(p, { encoding: 'buffer' }).map((n) => (typeof n === 'string' ? n : decodeEscaped(n))));
    },
    exists(path) {
      try {
        fs.lstatSync(fsPath(confine ? resolve(path, false) : full(path)));
        return true;
      } catch {
        return false;
      }
    },
  };
}
