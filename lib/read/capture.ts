import { NsviewError } from '../errors.js';
import type { Source } from '../source/source.js';
import { errorCode } from '../source/source.js';
import { CAPTURE_MANIFEST, createFsSource } from '../source/fs-source.js';
import { decodeEscaped } from '../source/bytes.js';
import { RefusedPath, pathNames, planTree, type TreeWriter, type WriteFs } from '../source/write.js';
import { CGROUP_FILES } from '../parse/cgroupfs.js';
import { NS_LINK_NAMES, isNsType, parseNsLink } from '../parse/ns-link.js';
import { parseCgroupMounts } from '../parse/mountinfo.js';
import { MAX_STATE_BYTES, STATE_DIRS, parsePodLogDir, parseRestartLog, reduceDockerConfig, reduceOciConfig } from '../parse/state-files.js';

export { MAX_CAPTURE_BYTES, type WriteFs } from '../source/write.js';

/** What {@link captureHost} copied. */
export interface CaptureResult {
  processes: number;
  files: number;
  links: number;
  cgroups: number;
  /**
   * Files that could not be read (permission denied, vanished), as `path (CODE)`; also paths
   * refused because they would leave the destination (`EXDEV`: a mount point with `..`), are
   * no plain name (`EINVAL`) or are too long to write (`ENAMETOOLONG`).
   */
  skipped: string[];
}

/** Options of {@link captureHost}. */
export interface CaptureOptions {
  /** The most the whole capture may hold, in bytes (default {@link MAX_CAPTURE_BYTES}, 1 GiB); beyond it the capture stops with an error naming the file. */
  maxBytes?: number;
  /** The file system to write the capture to (default `node:fs`); tests pass one that fails. */
  fs?: WriteFs;
}

const PROC_FILES = ['stat', 'status', 'cmdline', 'comm', 'cgroup'];
const WANTED = new Set<string>(CGROUP_FILES);

/**
 * Copy the files nsview reads from a host into `dest`, laid out like the host
 * (`proc/<pid>/…`, `proc/self/mountinfo`, `sys/fs/cgroup/…`, `etc/passwd`), so
 * `scan({ root: dest })` reads it back on any machine. Namespace links become
 * symbolic links whose target is the link text. `dest` must not exist or be an empty
 * directory, and must not be on a kernel file system (procfs, sysfs, cgroupfs).
 *
 * Everything is written inside `dest` and never through a link (lib/source/write.ts): a
 * mount point or name that would lead out of it is skipped (`EXDEV` in `skipped`), and a
 * link or file that appears in `dest` during the capture stops it. On any failure (no
 * space, a read-only file system, the byte budget) the partial capture is removed and one
 * {@link NsviewError} names the path and the reason.
 */
export function captureHost(dest: string, from: Source = createFsSource('/'), options: CaptureOptions = {}): CaptureResult {
  const plan = planTree(dest, { fs: options.fs, maxBytes: options.maxBytes, what: 'capture' });
  // Check the root before writing anything.
  const where = from.root === '/' ? '/proc' : `${from.root.replace(/\/+$/, '')}/proc`;
  let names: string[];
  let mountinfo: Uint8Array;
  try {
    names = from.readNames('/proc').filter((n) => /^[1-9]\d*$/.test(n));
    mountinfo = from.readBytes('/proc/self/mountinfo');
  } catch (err) {
    throw new NsviewError('unusable-root', `cannot capture ${where}: ${errorCode(err) ?? (err as Error).message}`);
  }
  if (names.length === 0) throw new NsviewError('unusable-root', `cannot capture ${where}: not a procfs (no process directories)`);
  const tree = plan.create();
  try {
    return copyHost(tree, from, names, mountinfo);
  } catch (err) {
    throw tree.fail(err);
  }
}

function copyHost(tree: TreeWriter, from: Source, names: string[], mountinfo: Uint8Array): CaptureResult {
  const result: CaptureResult = { processes: 0, files: 0, links: 0, cgroups: 0, skipped: [] };
  const skip = (path: string, err: unknown): false => {
    result.skipped.push(`${path} (${errorCode(err) ?? 'error'})`);
    return false;
  };
  /** Run one write; a path the writer refuses is skipped, any other failure stops the capture. */
  const put = (path: string, write: () => void): boolean => {
    try {
      write();
      return true;
    } catch (err) {
      if (err instanceof RefusedPath) return skip(path, err);
      throw err;
    }
  };
  const write = (path: string, data: Uint8Array): boolean => put(path, () => (tree.file(path, data), result.files++));
  const copy = (path: string): boolean => {
    let data: Uint8Array;
    try {
      data = from.readBytes(path);
    } catch (err) {
      return skip(path, err);
    }
    return write(path, data);
  };
  copy('/etc/passwd');
  // The node's name (Snapshot.node), where the source has one (a capture of a capture may not).
  if (from.exists('/proc/sys/kernel/hostname')) copy('/proc/sys/kernel/hostname');
  write('/proc/self/mountinfo', mountinfo);

  // Holders: one mountinfo per mount namespace (for its nsfs mounts) and every fd that is a namespace.
  const mountinfoOf = new Set<string>();
  for (const name of names) {
    const dir = `/proc/${name}`;
    if (!copy(`${dir}/stat`)) continue;
    result.processes++;
    for (const f of PROC_FILES.slice(1)) copy(`${dir}/${f}`);
    for (const n of NS_LINK_NAMES) {
      const path = `${dir}/ns/${n}`;
      let text: string;
      try {
        text = from.readLink(path);
      } catch (err) {
        skip(path, err);
        continue;
      }
      put(path, () => (tree.link(path, text), result.links++));
      // The first process of each mount namespace whose mountinfo can be read stands for it.
      if (n === 'mnt' && !mountinfoOf.has(text) && copy(`${dir}/mountinfo`)) mountinfoOf.add(text);
    }
    copyNsFds(from, dir, (path, text) => put(path, () => (tree.link(path, text), result.links++)));
  }

  // cgroup trees: every cgroup mount point from mountinfo, each directory once (a mount
  // point may lie inside another's tree). A mount point that is no plain path (`..`) is
  // skipped before it is read: written as text under the destination it would lead out.
  const points = parseCgroupMounts(decodeEscaped(mountinfo)).mounts.map((m) => m.mountPoint);
  const walked = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (walked.has(dir)) return;
    walked.add(dir);
    try {
      pathNames(dir);
    } catch (err) {
      if (err instanceof RefusedPath) skip(dir, err);
      return;
    }
    let entries;
    try {
      entries = from.readDir(dir);
    } catch (err) {
      skip(dir, err);
      return;
    }
    if (!put(dir, () => tree.dir(dir))) return;
    result.cgroups++;
    for (const e of entries) {
      if (e.isDirectory) {
        if (depth < 64) walk(`${dir}/${e.name}`, depth + 1);
      } else if (WANTED.has(e.name)) copy(`${dir}/${e.name}`);
    }
  };
  for (const mp of points) walk(mp, 0);
  copyStateFiles(from, write, skip);
  // What could not be read because it was denied is recorded, so a scan of the capture
  // reports it as denied (as on the host) instead of silently absent.
  const denied = result.skipped
    .map((s) => /^(.*) \((EACCES|EPERM)\)$/.exec(s))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: m[1], code: m[2] }));
  const manifest = JSON.stringify({ format: 'nsview-capture', version: 1, denied }, null, 1) + '\n';
  tree.replace('/' + CAPTURE_MANIFEST, Buffer.from(manifest));
  return result;
}

/**
 * The fds of a process that are namespaces (`/proc/<pid>/fd/3` → `net:[4026532614]`), as links
 * with that text; other fds (files, sockets) are not copied. Fds that close meanwhile and
 * processes that exit are passed over: they hold nothing any more.
 */
function copyNsFds(from: Source, dir: string, link: (path: string, text: string) => void): void {
  let fds: string[];
  try {
    fds = from.readNames(`${dir}/fd`);
  } catch {
    return;
  }
  for (const fd of fds.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b))) {
    const path = `${dir}/fd/${fd}`;
    let text: string;
    try {
      text = from.readLink(path);
    } catch {
      continue;
    }
    const ns = parseNsLink(text);
    if (ns && isNsType(ns.type)) link(path, text);
  }
}

/** Names in a directory, or none if it is not there (a runtime this host does not run); other failures are skipped. */
function namesIn(from: Source, dir: string, skip: (path: string, err: unknown) => false): string[] {
  try {
    return from
      .readNames(dir)
      .filter((n) => n !== '.' && n !== '..' && !n.includes('/'))
      .sort();
  } catch (err) {
    const code = errorCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') skip(dir, err);
    return [];
  }
}

/**
 * The runtimes' state files and the kubelet's log directories, so a capture names pods and
 * containers as the host does: each config cut down to the annotations and labels that
 * name (never the environment, arguments or mounts), and of `/var/log/pods` only the names
 * of directories and of `<n>.log` files, written empty (never a log's content).
 */
function copyStateFiles(from: Source, write: (path: string, data: Uint8Array) => boolean, skip: (path: string, err: unknown) => false): void {
  const enc = new TextEncoder();
  const reduced = (path: string, reduce: (text: string) => string | null): void => {
    let text: string;
    try {
      text = new TextDecoder().decode(from.readBytes(path, { regular: true, max: MAX_STATE_BYTES }));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') skip(path, err);
      return;
    }
    const out = reduce(text);
    if (out === null) skip(path, Object.assign(new Error('malformed'), { code: 'EINVAL' }));
    else write(path, enc.encode(out));
  };
  for (const ns of namesIn(from, STATE_DIRS.containerdTasks, skip)) {
    for (const id of namesIn(from, `${STATE_DIRS.containerdTasks}/${ns}`, skip))
      reduced(`${STATE_DIRS.containerdTasks}/${ns}/${id}/config.json`, reduceOciConfig);
  }
  for (const base of [STATE_DIRS.crioRun, STATE_DIRS.crioLib]) {
    for (const id of namesIn(from, base, skip)) reduced(`${base}/${id}/userdata/config.json`, reduceOciConfig);
  }
  for (const id of namesIn(from, STATE_DIRS.docker, skip)) reduced(`${STATE_DIRS.docker}/${id}/config.v2.json`, reduceDockerConfig);
  for (const pod of namesIn(from, STATE_DIRS.podLogs, skip)) {
    if (!parsePodLogDir(pod)) continue;
    const dir = `${STATE_DIRS.podLogs}/${pod}`;
    for (const ctr of namesIn(from, dir, skip)) {
      for (const f of namesIn(from, `${dir}/${ctr}`, skip)) if (parseRestartLog(f) !== null) write(`${dir}/${ctr}/${f}`, new Uint8Array(0));
    }
  }
}
