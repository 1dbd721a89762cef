/**
 * The only place nsview writes: `nsview capture` (a tree of files, {@link planTree}) and
 * `snapshot -o` (one file, {@link writeFileAtomic}).
 *
 * What they write stays inside the destination and never goes through a link:
 * - a path is taken apart into names, and a name that is `..`, `.` or holds a NUL is refused
 *   ({@link RefusedPath}), so no path from a host (a mount point, a cgroup name) can climb out;
 * - directories are made one level at a time (`mkdir`, never recursive) and each is opened
 *   with `O_DIRECTORY|O_NOFOLLOW` to check it is a real directory, not a link;
 * - files are created with `O_CREAT|O_EXCL|O_NOFOLLOW`: a name that already exists (a link or
 *   file planted during the run) is refused, never followed or overwritten;
 * - on Linux the kernel is asked where each created file or directory really is
 *   (`/proc/self/fd/<fd>`); one that is not where it was meant to be (a directory of the
 *   destination swapped for a link after it was checked) is removed at once and the write fails;
 * - a single file is written under a temporary name in its directory, then renamed over the
 *   target, so a reader never sees half of it;
 * - a destination on a kernel file system (procfs, sysfs, cgroupfs…) is refused before anything
 *   is created: a directory made there would be a cgroup, not storage.
 *
 * A failure (no space, a read-only file system, permission) becomes one {@link NsviewError}
 * naming the path and the errno, after everything the write created has been removed.
 */
import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { randomBytes } from 'node:crypto';
import { NsviewError } from '../errors.js';
import { decodeEscaped, encodeEscaped, fsPath } from './bytes.js';
import { errorCode, sourceError } from './source.js';

/** The subset of `node:fs` the writers use; tests pass one that fails (ENOSPC, EROFS, EPERM) or races. */
export interface WriteFs {
  openSync(path: string | Buffer, flags: number, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fchmodSync(fd: number, mode: number): void;
  closeSync(fd: number): void;
  mkdirSync(path: string | Buffer, mode: number): unknown;
  rmdirSync(path: string | Buffer): void;
  unlinkSync(path: string | Buffer): void;
  renameSync(from: string | Buffer, to: string | Buffer): void;
  symlinkSync(target: string | Buffer, path: string | Buffer): void;
  lstatSync(path: string | Buffer): { isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean; mode: number };
  statSync(path: string | Buffer): { isDirectory(): boolean; isFile(): boolean; mode: number };
  fstatSync(fd: number): { isDirectory(): boolean; isFile(): boolean; size: number };
  readdirSync(path: string | Buffer): unknown[];
  readlinkSync(path: string, options: { encoding: 'buffer' }): string | Buffer;
  realpathSync(path: string | Buffer, options: { encoding: 'buffer' }): string | Buffer;
  statfsSync?(path: string | Buffer): { type: number };
}

/** The most a capture may hold, all files together, unless told otherwise. */
export const MAX_CAPTURE_BYTES = 1024 * 1024 * 1024;

const C = nodeFs.constants;
const NOFOLLOW = C.O_NOFOLLOW ?? 0;
/** Create a new file: never an existing name, never through a link in the last component. */
const CREATE = C.O_WRONLY | C.O_CREAT | C.O_EXCL | NOFOLLOW;
/** Open a directory only if it is one and not a link to one. */
const OPEN_DIR = C.O_RDONLY | (C.O_DIRECTORY ?? 0) | NOFOLLOW;

/**
 * Kernel file systems (statfs `f_type`): none holds files of its own, and writing there
 * changes the kernel (a `mkdir` under cgroupfs makes a cgroup).
 */
const KERNEL_FS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpffs'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x1cd1, 'devpts'],
  [0xf97cff8c, 'selinuxfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x65735543, 'fusectl'],
  [0x6e736673, 'nsfs'],
  [0x19800202, 'mqueue'],
]);

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  EIO: 'input/output error',
  EEXIST: 'already exists',
  ELOOP: 'is a symbolic link',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'name too long',
  EMLINK: 'too many links',
  EFBIG: 'file too large',
  EBUSY: 'device or resource busy',
  ENXIO: 'no reader on the other end',
};

/** An errno error as words and code: `no space left on device (ENOSPC)`. */
function describeError(err: unknown): string {
  const code = errorCode(err);
  const m = /^[A-Z0-9_]+: ([^,]+),/.exec(err instanceof Error ? err.message : '');
  const text = (code && ERRNO_TEXT[code]) ?? m?.[1] ?? (err instanceof Error ? err.message : String(err));
  return code ? `${text} (${code})` : text;
}

/**
 * A path the writer will not create: a name that climbs out (`..`, code `EXDEV`), is no plain
 * name (`.`, a NUL: `EINVAL`), or is too long for the file system (`ENAMETOOLONG`). A capture
 * records it as skipped and goes on; anything else stops the write.
 */
export class RefusedPath extends Error {
  readonly code: string;
  readonly path: string;
  constructor(code: string, path: string, why: string) {
    super(`${code}: ${why}, '${path}'`);
    this.name = 'RefusedPath';
    this.code = code;
    this.path = path;
  }
}

/** The names of a host path (`/proc/1/stat` → proc, 1, stat); refuses names that are not plain. */
export function pathNames(path: string): string[] {
  const names = path.split('/').filter((n) => n !== '');
  for (const n of names) {
    if (n === '..') throw new RefusedPath('EXDEV', path, 'leads outside the destination');
    if (n === '.' || n.includes('\0')) throw new RefusedPath('EINVAL', path, 'not a plain file name');
  }
  return names;
}

/** The errno of `err` with the path it concerns, for the one-line error. */
function failure(err: unknown, path: string): Error & { code?: string; path?: string } {
  if (err instanceof NsviewError || err instanceof RefusedPath) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { code?: string; path?: string };
  e.path = path; // node names the buffer it was given, or nothing (a test's fault): name the path
  return e;
}

/** The kernel file system `path` is on, if it is one (Linux). */
function kernelFs(fs: WriteFs, path: string): string | undefined {
  if (process.platform !== 'linux' || !fs.statfsSync) return undefined;
  try {
    return KERNEL_FS.get(Number(fs.statfsSync(fsPath(path)).type));
  } catch {
    return undefined;
  }
}

/** A byte count for a message: `1 GiB`, `12.5 MiB`, `300 bytes`. */
export function sizeOf(n: number): string {
  const units: Array<[number, string]> = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  return `${n} bytes`;
}

/**
 * Open `path` as a directory that is no link (`O_DIRECTORY|O_NOFOLLOW`: `ELOOP` or `ENOTDIR`
 * otherwise). Where a directory cannot be opened (Windows) an `lstat` checks the same and
 * there is no descriptor.
 */
function openRealDir(fs: WriteFs, path: string): number | undefined {
  if (process.platform !== 'win32') return fs.openSync(fsPath(path), OPEN_DIR);
  const st = fs.lstatSync(fsPath(path));
  if (st.isSymbolicLink()) throw sourceError('ELOOP', path, 'a symbolic link');
  if (!st.isDirectory()) throw sourceError('ENOTDIR', path, 'not a directory');
  return undefined;
}

/** Write all of `data` to `fd` (a write may take only part of it). */
function writeAll(fs: WriteFs, fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/**
 * Where the kernel says descriptor `fd` is (`/proc/self/fd/<fd>`), as bytes; `undefined`
 * where it cannot say (no procfs: not Linux, or a chroot without /proc).
 */
function whereIs(fs: WriteFs, fd: number): Buffer | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const real = fs.readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'buffer' });
    return typeof real === 'string' ? Buffer.from(real) : real;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// a tree (capture)

/** One thing a {@link TreeWriter} created, to remove on failure. */
interface Made {
  path: string;
  dir: boolean;
}

/** Writes a tree under a destination it created or found empty. Paths are host paths (`/proc/1/stat`). */
export interface TreeWriter {
  /** The destination's real path. */
  readonly root: string;
  /** Bytes written so far (file contents and link texts). */
  readonly bytes: number;
  /** Make the directory `path` and its parents (under the destination). */
  dir(path: string): void;
  /** Create the file `path` holding `data`. */
  file(path: string, data: Uint8Array): void;
  /** Create `path` as a symbolic link whose text is `target` (never followed). */
  link(path: string, target: string): void;
  /** Create `path` under a temporary name, then rename it into place. */
  replace(path: string, data: Uint8Array): void;
  /**
   * Remove what the writer created (and the parents it made for the destination) and turn
   * `err` into one {@link NsviewError} naming the path, the errno and what was removed.
   */
  fail(err: unknown): Error;
}

/** Options of {@link planTree}. */
export interface TreeOptions {
  /** The file system to write (default `node:fs`). */
  fs?: WriteFs;
  /** The most the tree may hold, all files together (default {@link MAX_CAPTURE_BYTES}). */
  maxBytes?: number;
  /** What the tree is, for messages (`capture`). */
  what?: string;
}

/** A destination checked and not yet created: {@link TreePlan.create} makes it. */
export interface TreePlan {
  create(): TreeWriter;
}

/**
 * Check `dest` before anything is written: it must not exist, or be an empty directory (not a
 * link to one), and must not lie on a kernel file system. Throws {@link NsviewError}
 * (`bad-argument` for a destination the user can change). Nothing is created until `create()`.
 */
export function planTree(dest: string, options: TreeOptions = {}): TreePlan {
  const fs = options.fs ?? (nodeFs as unknown as WriteFs);
  const what = options.what ?? 'capture';
  const abs = nodePath.resolve(dest);
  const bad = (why: string): never => {
    throw new NsviewError('bad-argument', `${dest}: ${why}`);
  };
  if (abs.includes('\0')) bad('not a path (holds a NUL)');
  // The deepest part of the path that exists, and the names to create below it.
  const missing: string[] = [];
  let existing = abs;
  for (;;) {
    let st;
    try {
      st = fs.lstatSync(fsPath(existing));
    } catch (err) {
      if (errorCode(err) === 'ENOENT' && existing !== nodePath.dirname(existing)) {
        missing.unshift(nodePath.basename(existing));
        existing = nodePath.dirname(existing);
        continue;
      }
      throw new NsviewError('unreadable-file', `cannot use ${dest}: ${describeError(err)}`);
    }
    if (missing.length === 0) {
      if (st.isSymbolicLink()) bad(`a symbolic link; ${what} into a real directory (nsview writes through no link)`);
      if (!st.isDirectory()) bad(`not a directory; ${what} into a new directory`);
      let entries: unknown[];
      try {
        entries = fs.readdirSync(fsPath(abs));
      } catch (err) {
        throw new NsviewError('unreadable-file', `cannot use ${dest}: ${describeError(err)}`);
      }
      if (entries.length > 0) bad(`not empty; ${what} into a new directory`);
    } else {
      // A parent the user named may be reached through a link (their choice); it must be a directory.
      let isDir = st.isDirectory();
      if (st.isSymbolicLink()) {
        try {
          isDir = fs.statSync(fsPath(existing)).isDirectory();
        } catch {
          isDir = false;
        }
      }
      if (!isDir) bad(`${existing} is not a directory`);
    }
    break;
  }
  const kfs = kernelFs(fs, existing);
  if (kfs) bad(`${existing === abs ? 'it' : existing} is on ${kfs}, a kernel file system, not storage; ${what} into a directory on a disk`);
  return { create: () => createTree(fs, dest, existing, missing, options.maxBytes ?? MAX_CAPTURE_BYTES, what) };
}

function createTree(fs: WriteFs, dest: string, existing: string, missing: string[], maxBytes: number, what: string): TreeWriter {
  const made: Made[] = [];
  let bytes = 0;
  let verify = process.platform === 'linux';
  const dirs = new Set<string>();

  /**
   * Refuse what the kernel says is somewhere else than `path`. What this write just created
   * there (`made`, the last entry) is removed at once and forgotten.
   */
  const check = (fd: number, path: string, fresh: boolean): void => {
    if (!verify) return;
    const real = whereIs(fs, fd);
    if (real === undefined) {
      verify = false; // no procfs: the no-follow opens stand alone
      return;
    }
    if (real.equals(encodeEscaped(path))) return;
    let undone = '';
    if (fresh) {
      const m = made.pop() as Made;
      try {
        if (m.dir) fs.rmdirSync(real);
        else fs.unlinkSync(real);
        undone = '; removed what was created there';
      } catch (err) {
        undone = `; could not remove what was created there (${errorCode(err) ?? 'error'})`;
      }
    }
    throw new NsviewError(
      'unreadable-file',
      `${path}: landed on ${real.toString('utf8')}, outside the destination (a directory of it was replaced by a link during the ${what})${undone}`,
    );
  };

  /** Check that `path` is a real directory (not a link to one) where it was meant to be; `fresh` if this write just made it. */
  const checkDir = (path: string, fresh: boolean): void => {
    let fd: number | undefined;
    try {
      fd = openRealDir(fs, path);
    } catch (err) {
      if (errorCode(err) === 'ELOOP' || errorCode(err) === 'ENOTDIR') {
        throw new NsviewError(
          'unreadable-file',
          `${path}: became a link or a file during the ${what} (not a directory nsview made); nothing was written through it`,
        );
      }
      throw failure(err, path);
    }
    if (fd === undefined) return;
    try {
      check(fd, path, fresh);
    } finally {
      fs.closeSync(fd);
    }
  };

  /** Make one directory in a checked one; `shared` for a parent of the destination, which someone else may make at the same time. */
  const mkdirOne = (path: string, mode: number, shared: boolean): void => {
    let fresh = false;
    try {
      fs.mkdirSync(fsPath(path), mode);
      made.push({ path, dir: true });
      fresh = true;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST' && !shared)
        throw new NsviewError(
          'unreadable-file',
          `${path}: appeared in the destination during the ${what} (nsview did not make it); nothing was written through it`,
        );
      if (code === 'ENAMETOOLONG') throw new RefusedPath('ENAMETOOLONG', path, 'name too long');
      if (code !== 'EEXIST') throw failure(err, path);
    }
    checkDir(path, fresh);
  };

  // The destination and its missing parents, one level at a time.
  let root = '';
  try {
    root = decodeEscaped(fs.realpathSync(fsPath(existing), { encoding: 'buffer' }) as Buffer);
    missing.forEach((name, i) => {
      root = root === '/' ? `/${name}` : `${root}/${name}`;
      mkdirOne(root, i === missing.length - 1 ? 0o755 : 0o777, i < missing.length - 1);
    });
    if (missing.length === 0) checkDir(root, false);
  } catch (err) {
    throw finish(err, dest);
  }

  const under = (path: string): string => {
    const names = pathNames(path);
    return names.length ? `${root === '/' ? '' : root}/${names.join('/')}` : root;
  };

  function dir(path: string): void {
    const names = pathNames(path);
    let at = root === '/' ? '' : root;
    for (const n of names) {
      at = `${at}/${n}`;
      if (dirs.has(at)) continue;
      mkdirOne(at, 0o755, false);
      dirs.add(at);
    }
  }

  const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));

  /** Create `to` (a new name) holding `data`; checked and recorded. */
  function create(to: string, data: Uint8Array): void {
    let fd: number;
    try {
      fd = fs.openSync(fsPath(to), CREATE, 0o644);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST' || code === 'ELOOP')
        throw new NsviewError(
          'unreadable-file',
          `${to}: appeared in the destination during the ${what} (nsview did not make it); nothing was written through it`,
        );
      if (code === 'ENAMETOOLONG') throw new RefusedPath('ENAMETOOLONG', to, 'name too long');
      throw failure(err, to);
    }
    made.push({ path: to, dir: false });
    try {
      check(fd, to, true);
      writeAll(fs, fd, data);
    } catch (err) {
      try {
        fs.closeSync(fd);
      } catch {
        // the write's error is the one to report
      }
      throw failure(err, to);
    }
    try {
      fs.closeSync(fd);
    } catch (err) {
      throw failure(err, to); // a network file system may report ENOSPC only here
    }
  }

  const budget = (path: string, n: number): void => {
    if (bytes + n > maxBytes) {
      const files = made.filter((m) => !m.dir).length;
      throw new NsviewError(
        'unusable-root',
        `${what} stopped at ${path}: it would hold more than ${sizeOf(maxBytes)}, the most a whole ${what} may hold (${sizeOf(bytes)} in ${files} files before it)`,
      );
    }
    bytes += n;
  };

  /** Is `dir` still the directory this write made or found there (not swapped for a link)? Asked before removing anything in it. */
  const stillThere = (dir: string): boolean => {
    try {
      const fd = openRealDir(fs, dir);
      if (fd === undefined) return true;
      try {
        const real = verify ? whereIs(fs, fd) : undefined;
        return real === undefined || real.equals(encodeEscaped(dir));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return false;
    }
  };

  /** Remove what this write made, newest first, never through a directory that is no longer the one it made. */
  function finish(err: unknown, at: string): Error {
    const left: string[] = [];
    const parents = new Map<string, boolean>();
    for (let i = made.length - 1; i >= 0; i--) {
      const m = made[i] as Made;
      const parent = m.path.slice(0, m.path.lastIndexOf('/')) || '/';
      let ok = parents.get(parent);
      if (ok === undefined) parents.set(parent, (ok = stillThere(parent)));
      if (!ok) {
        left.push(`${m.path} (EXDEV)`);
        continue;
      }
      try {
        if (m.dir) fs.rmdirSync(fsPath(m.path));
        else fs.unlinkSync(fsPath(m.path));
      } catch (e) {
        if (errorCode(e) !== 'ENOENT') left.push(`${m.path} (${errorCode(e) ?? 'error'})`);
      }
    }
    const createdDest = missing.length > 0 && made.some((m) => m.dir && m.path === root);
    const removed =
      made.length === 0
        ? 'nothing was written'
        : left.length === 0
          ? createdDest
            ? `removed the partial ${what} ${dest}`
            : `removed what it had written in ${dest}`
          : `could not remove ${left[0]}${left.length > 1 ? ` and ${left.length - 1} more` : ''}`;
    made.length = 0;
    if (err instanceof NsviewError) return new NsviewError(err.code, `${err.message}; ${removed}`);
    const code = errorCode(err);
    if (code === undefined) return err instanceof Error ? err : new Error(String(err));
    const path = (err as { path?: unknown }).path;
    return new NsviewError('unreadable-file', `cannot write ${typeof path === 'string' ? path : at}: ${describeError(err)}; ${removed}`);
  }

  return {
    root,
    get bytes() {
      return bytes;
    },
    dir,
    file(path, data) {
      const to = under(path);
      dir(parentOf(path));
      budget(path, data.length);
      create(to, data);
    },
    link(path, target) {
      const to = under(path);
      dir(parentOf(path));
      if (target === '' || target.includes('\0')) throw new RefusedPath('EINVAL', path, 'not a link text');
      budget(path, target.length);
      try {
        fs.symlinkSync(encodeEscaped(target), fsPath(to));
      } catch (err) {
        const code = errorCode(err);
        if (code === 'EEXIST') throw new NsviewError('unreadable-file', `${to}: appeared in the destination during the ${what} (nsview did not make it)`);
        if (code === 'ENAMETOOLONG') throw new RefusedPath('ENAMETOOLONG', path, 'name or link text too long');
        throw failure(err, to);
      }
      made.push({ path: to, dir: false });
    },
    replace(path, data) {
      const to = under(path);
      dir(parentOf(path));
      budget(path, data.length);
      const cut = to.lastIndexOf('/');
      const tmp = `${to.slice(0, cut)}/.${to.slice(cut + 1)}.${randomBytes(4).toString('hex')}.tmp`;
      create(tmp, data);
      try {
        fs.renameSync(fsPath(tmp), fsPath(to));
      } catch (err) {
        throw failure(err, to);
      }
      const last = made[made.length - 1] as Made;
      last.path = to;
    },
    fail: (err) => finish(err, dest),
  };
}

// ---------------------------------------------------------------------------
// one file (snapshot -o)

/** Options of {@link writeFileAtomic}. */
export interface WriteFileOptions {
  /** The file system to write (default `node:fs`). */
  fs?: WriteFs;
}

/**
 * Write `data` to the user-named file `path`, all or nothing: a new file is written under a
 * temporary name beside it (`.<name>.<random>.tmp`, created `O_EXCL|O_NOFOLLOW`), synced, and
 * renamed over `path`; on any failure the temporary file is removed and `path` is as it was.
 * An existing file keeps its permission bits. A `path` that is a FIFO or a character device
 * (`/dev/null`, `/dev/stdout` on a terminal or pipe) is written in place, as a stream. A
 * `path` that is a symbolic link to anything else, a directory, or on a kernel file system is
 * refused. Throws {@link NsviewError} naming the path and the errno.
 */
export function writeFileAtomic(path: string, data: Uint8Array, options: WriteFileOptions = {}): void {
  const fs = options.fs ?? (nodeFs as unknown as WriteFs);
  const abs = nodePath.resolve(path);
  const bad = (why: string): never => {
    throw new NsviewError('bad-argument', `${path}: ${why}`);
  };
  const cannot = (err: unknown, note: string): never => {
    throw new NsviewError('unreadable-file', `cannot write ${path}: ${describeError(err)}${note}`);
  };
  if (abs.includes('\0')) bad('not a path (holds a NUL)');
  let old: { mode: number } | undefined;
  try {
    const st = fs.lstatSync(fsPath(abs));
    if (st.isSymbolicLink() || !(st.isFile() || st.isDirectory())) {
      // A stream (a FIFO, a terminal, /dev/null, /dev/stdout on a pipe) is written as it is.
      const link = (): never => bad('a symbolic link; nsview writes through no link: name the file itself');
      let target;
      try {
        target = fs.statSync(fsPath(abs));
      } catch (err) {
        return st.isSymbolicLink() ? link() : cannot(err, '');
      }
      if (target.isFile() || target.isDirectory()) link();
      return writeStream(fs, path, abs, data);
    }
    if (st.isDirectory()) bad('a directory; name a file');
    old = { mode: st.mode & 0o7777 };
  } catch (err) {
    if (err instanceof NsviewError) throw err;
    if (errorCode(err) !== 'ENOENT') cannot(err, '');
  }
  const dir = nodePath.dirname(abs);
  const kfs = kernelFs(fs, dir);
  if (kfs) bad(`${dir} is on ${kfs}, a kernel file system, not storage`);
  const tmp = temporaryFor(abs);
  const nothing = old ? `; ${path} is unchanged` : '; nothing was written';
  let fd: number;
  try {
    fd = fs.openSync(fsPath(tmp), CREATE, 0o666);
  } catch (err) {
    return cannot(err, nothing);
  }
  try {
    const real = whereIs(fs, fd);
    if (real !== undefined && !real.equals(encodeEscaped(tmp))) {
      throw new NsviewError('unreadable-file', `cannot write ${path}: its directory was replaced by a link while writing (${real.toString('utf8')})`);
    }
    if (old) fs.fchmodSync(fd, old.mode);
    writeAll(fs, fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(fsPath(tmp), fsPath(abs));
  } catch (err) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        // the first error is the one to report
      }
    }
    try {
      fs.unlinkSync(fsPath(tmp));
    } catch {
      // gone already
    }
    if (err instanceof NsviewError) throw err;
    cannot(err, nothing);
  }
}

/** A new temporary name beside `target` (absolute): `.<name>.<12 hex digits>.tmp` in its directory. */
export function temporaryFor(target: string): string {
  const dir = nodePath.dirname(target);
  return `${dir === '/' ? '' : dir}/.${nodePath.basename(target).slice(0, 128)}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Is `path` a temporary name {@link writeFileAtomic} uses for `target` (both absolute)? For tests that check what was written. */
export function isTemporaryFor(path: string, target: string): boolean {
  const prefix = temporaryFor(target).slice(0, -'0123456789ab.tmp'.length);
  return path.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(path.slice(prefix.length));
}

/** Write to a FIFO or a device in place (no temporary name: it is a stream, not a file). */
function writeStream(fs: WriteFs, path: string, abs: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = fs.openSync(fsPath(abs), C.O_WRONLY | (C.O_NOCTTY ?? 0));
  } catch (err) {
    throw new NsviewError('unreadable-file', `cannot write ${path}: ${describeError(err)}`);
  }
  try {
    const st = fs.fstatSync(fd);
    // Swapped for a file between the check and the open: that would be writing in place, not streaming.
    if (st.isFile() || st.isDirectory()) throw new NsviewError('unreadable-file', `cannot write ${path}: it changed while being opened`);
    writeAll(fs, fd, data);
  } catch (err) {
    if (err instanceof NsviewError) throw err;
    throw new NsviewError('unreadable-file', `cannot write ${path}: ${describeError(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}
